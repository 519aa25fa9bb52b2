"""Statements on the database: one module per domain owns every statement on its tables.

The services (:mod:`hub.services`) own the transactions and call these functions; nothing here
opens one. Every public function of a domain module takes the database first and everything
else by keyword (``db, *, …``), and its name starts with one verb of this vocabulary:

``get`` / ``get_<what>``
    One row or one value, ``None`` when there is none (``records.get``,
    ``dispatch.get_distance_m``, ``volunteers.get_status``). A yes-or-no read is a value
    too (``records.get_served``, ``regions.get_covers_point``); so is a whole document
    PostgreSQL writes (``maplayer.get_feature_collection_json``, ``tiles.get_tile``).
    ``ledger.get_account`` creates the account on first use, as its docstring says.
``get_many`` / ``get_many_<what>``
    Rows (or a mapping by id) for given ids or codes (``demands.get_many``,
    ``volunteers.get_many_standing``).
``list_`` / ``list_<what>``
    Rows (or a set of values) chosen by a condition; ``list_`` alone is a module's paged,
    filtered listing. ``<what>`` names the rows (``organizations.list_members``) or, for the
    module's own rows, the condition (``demands.list_open``, ``records.list_of_volunteers``).
``count`` / ``count_<what>``
    Counts, changing nothing (``count`` counts what ``list_`` lists).
``create`` / ``create_<what>``
    Inserts (an upsert is named after the row it makes: ``accounts.create_station_staff``,
    ``organizations.create_membership``).
``update`` / ``update_<what>``
    Changes rows. A state change is named after the state reached
    (``demands.update_dispatched``, ``dispatch.update_checked_in``,
    ``volunteers.update_exited``), a changed field after the field
    (``organizations.update_parent``, ``accounts.update_openid``), and a counter after the
    counter (``ratelimit.update_hits``, ``accounts.update_wrong_guesses``: they return the
    count reached). ``update_<what>`` may replace a set of child rows
    (``volunteers.update_time_off``).
``delete_<what>``
    Removes rows; the hub keeps history, so a removal keeps what it removed
    (``memberships.delete_membership`` moves an ended membership into its history).
``lock`` / ``lock_<what>``
    ``SELECT … FOR UPDATE``: the row(s) locked for the rest of the transaction
    (``demands.lock``, ``activities.lock_source``, ``dispatch.lock_due_offers`` with
    ``SKIP LOCKED``).
``check_<what>``
    A constraint check that raises instead of answering (``ledger.check_balanced``).
``stream_<what>`` / ``copy_<what>``
    The two operations that are not statements on rows: an async iterator of notifications
    (``events.stream_notifications``) and a ``COPY … FROM STDIN``
    (``volunteer_import.copy_stage``).

The helper modules are not domains and keep their own names: :mod:`~hub.store.base`
(connections, pools), :mod:`~hub.store.sql` (compiling and running statements),
:mod:`~hub.store.tables` (the schema), :mod:`~hub.store.listing` (the paged listing the
domains' ``list_``/``count`` are built on), :mod:`~hub.store.local_time`,
:mod:`~hub.store.visibility` and :mod:`~hub.store.volunteer_json` (SQL fragments). Functions
that run nothing and only build a statement or a fragment (``tiles.tile_sql``,
``volunteer_json.node_json``) are named after what they build.
"""
