"""Map layers built in PostGIS (GeoJSON), coarsened as the caller's scope says."""

from __future__ import annotations

from hub.store.maplayer import get_feature_collection_json as get_feature_collection_json
