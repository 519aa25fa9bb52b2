"""The GraphQL documents the publishing tests send."""

from __future__ import annotations

ERRORS = "errors { code field message messageZh messageEn }"
REVIEWS = "reviews { decision fromStatus toStatus reason actor at }"
PUBLICATION = ("publication { __typename ... on Station { id status } "
               "... on Activity { id status } ... on Project { id status } }")

CREATE_STATION = f"""mutation($i: CreateStationInput!) {{ createStation(input: $i) {{
  station {{ id name kind status address contactName contactPhone
             sixHas {{ place team projects facilities rules signage }}
             openingHours {{ weekday start end }} location {{ lon lat }} }} {ERRORS} }} }}"""
UPDATE_STATION = f"""mutation($i: UpdateStationInput!) {{ updateStation(input: $i) {{
  station {{ id name status contactName contactPhone }} {ERRORS} }} }}"""
CREATE_ACTIVITY = f"""mutation($i: CreateActivityInput!) {{ createActivity(input: $i) {{
  activity {{ id title status capacity safetyPlan }} {ERRORS} }} }}"""
UPDATE_ACTIVITY = f"""mutation($i: UpdateActivityInput!) {{ updateActivity(input: $i) {{
  activity {{ id title status capacity description safetyPlan }} {ERRORS} }} }}"""
CREATE_PROJECT = f"""mutation($i: CreateProjectInput!) {{ createProject(input: $i) {{
  project {{ id name status subProgramme fundingSource fundingYuan startsOn endsOn }}
  {ERRORS} }} }}"""
UPDATE_PROJECT = f"""mutation($i: UpdateProjectInput!) {{ updateProject(input: $i) {{
  project {{ id name status description }} {ERRORS} }} }}"""
SUBMIT = f"""mutation($id: ID!) {{ submitForReview(input: {{id: $id}}) {{
  {PUBLICATION} review {{ decision toStatus actor }} {ERRORS} }} }}"""
WITHDRAW = f"""mutation($id: ID!) {{ withdrawSubmission(input: {{id: $id}}) {{
  {PUBLICATION} review {{ decision toStatus }} {ERRORS} }} }}"""
REVIEW = f"""mutation($id: ID!, $d: ReviewDecision!, $r: String) {{
  reviewSubmission(input: {{id: $id, decision: $d, reason: $r}}) {{
  {PUBLICATION} review {{ decision toStatus reason actor }} {ERRORS} }} }}"""
CLOSE = f"""mutation($id: ID!) {{ closePublication(input: {{id: $id, reason: "期满"}}) {{
  {PUBLICATION} {ERRORS} }} }}"""
ARCHIVE = f"""mutation($id: ID!) {{ archivePublication(input: {{id: $id}}) {{
  {PUBLICATION} {ERRORS} }} }}"""
NODE = f"""query($id: ID!) {{ node(id: $id) {{ __typename
  ... on Station {{ id status contactPhone {REVIEWS} }}
  ... on Activity {{ id status {REVIEWS} }}
  ... on Project {{ id status {REVIEWS} }} }} }}"""
STATIONS = """query($r: String) { stations(first: 100, filter: {regionCode: $r}) {
  totalCount edges { node { id status } } } }"""
PROJECTS = """query($o: ID) { projects(first: 100, filter: {ownerId: $o}) {
  totalCount edges { node { id status } } } }"""
MAP = """query { mapLayer(layer: STATIONS, bbox: {west: 112.3, south: 34.5, east: 112.6,
  north: 34.8}) }"""
