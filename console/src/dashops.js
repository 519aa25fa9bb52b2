// The GraphQL documents of the 看板 (dashboard) tab: scorecards and their drill-down, equity,
// station coverage and a coverage plan, campaign figures, recognition rounds (sent as text).
const ERRORS = "errors { code field message messageZh messageEn }";
const ITEM = "item label labelZh labelEn target actual passed entryCount(counts: false)";
const CARD = `pilot { id name regionCode regionName pilotType fundedOn quotaSet }
  asOf judgedOn startsOn endsOn passed items { ${ITEM} }`;
const SUMMARY = "regionCode regionName level pilots pilotsPassed items itemsPassed";

export const SCORECARDS = `query DashScorecards($code: String!, $asOf: Date) {
  scorecards(regionCode: $code, asOf: $asOf) { asOf total { ${SUMMARY} }
    children { ${SUMMARY} } scorecards { ${CARD} } } }`;
// The "why not" lists of one pilot's items, asked for when one is opened.
export const WHY_NOT = `query DashWhyNot($id: ID!, $asOf: Date) {
  scorecard(pilotId: $id, asOf: $asOf) { items { item
    entries(first: 30, counts: false) { id kind name reason reasonZh reasonEn } } } }`;
export const EQUITY = `query DashEquity($code: String!, $from: Date!, $to: Date!) {
  equity(regionCode: $code, from: $from, to: $to) { regionCode overall { fillRateGap
    priority { demands slots filledSlots fillRate } rest { demands slots filledSlots fillRate } } } }`;
export const COVERAGE = `query DashCoverage($code: String!, $radius: Float!) {
  stationCoverage(regionCode: $code, radiusKm: $radius, first: 500) { demands uncovered
    byRegion { regionCode name demands uncovered }
    uncoveredDemands { id title category lon lat nearestStationKm } } }`;
const PLAN = `id regionCode radiusKm sites status covered coverable total gap
  chosen { rank gain reach onlyHere newlyCoveredCount site { id kind name address lon lat } }`;
export const PLAN_COVERAGE = `mutation DashPlanCoverage($input: PlanCoverageInput!) {
  planCoverage(input: $input) { plan { ${PLAN} } ${ERRORS} } }`;
export const CAMPAIGNS = `query DashCampaigns { campaigns { code nameZh nameEn
  editions { id year startsOn endsOn } } }`;
export const CAMPAIGN_STATS = `query DashCampaignStats($id: ID!, $code: String) {
  campaignStats(editionId: $id, regionCode: $code) { edition { id year }
    activities demands volunteers hours peopleServed } }`;

const ROUND = `id award awardZh level regionCode regionName year categories places status publishedAt`;
export const ROUNDS = `query DashRounds($code: String) {
  recognitionRounds(regionCode: $code, first: 50) { ${ROUND} } }`;
export const ROUND_DETAIL = `query DashRound($id: Int!, $category: RecognitionCategory!) {
  recognitionRound(id: $id) { ${ROUND}
    candidates(category: $category, first: 20) { total candidates { rank score category subjectId
      name regionCode evidence nominationId } }
    nominations { id category subjectId name rank score statement decision reason }
    awards { category place name score } } }`;
export const OPEN_ROUND = `mutation DashOpenRound($input: OpenRecognitionRoundInput!) {
  openRecognitionRound(input: $input) { ${ERRORS} } }`;
export const NOMINATE = `mutation DashNominate($input: NominateForRecognitionInput!) {
  nominateForRecognition(input: $input) { ${ERRORS} } }`;
export const REVIEW_NOMINATION = `mutation DashReviewNomination($input: ReviewRecognitionNominationInput!) {
  reviewRecognitionNomination(input: $input) { ${ERRORS} } }`;
export const PUBLISH_ROUND = `mutation DashPublishRound($input: PublishRecognitionRoundInput!) {
  publishRecognitionRound(input: $input) { ${ERRORS} } }`;
export const EXPORT_ROUND = `mutation DashExportRound($input: ExportRecognitionListInput!) {
  exportRecognitionList(input: $input) { download { fileName contentType contentBase64 } ${ERRORS} } }`;
export const STORED_PLAN = `query DashStoredPlan($id: ID!) { coveragePlan(id: $id) { ${PLAN} } }`;

// 星级: volunteers, teams and projects of a region with their stars and the evidence.
const RATING = "stars hours activities volunteers rating ratingCount next { stars shortZh shortEn }";
export const STAR_VOLUNTEERS = `query DashStarVolunteers($code: String!) {
  volunteers(first: 100, filter: { regionCode: $code }) { totalCount
    edges { node { id name stars totalHours region { code name } } } } }`;
export const STAR_TEAMS = `query DashStarTeams($code: String!) {
  organizations(first: 100, filter: { regionCode: $code }) { totalCount
    edges { node { id name region { code } stars { ${RATING} } starHistory { stars reachedOn } } } } }`;
// Projects of the region picked: run by an organisation of its subtree.
export const STAR_PROJECTS = `query DashStarProjects($code: String!) {
  projects(first: 100, filter: { regionCode: $code }) { totalCount edges { node { id name
    owner { region { code } } stars { ${RATING} } starHistory { stars reachedOn } } } } }`;
export const STAR_VOLUNTEER = `query DashStarVolunteer($id: ID!) { node(id: $id) { ... on Volunteer {
  id name stars totalHours region { code }
  serviceRecords { id servedOn netHours hours confirmed isCorrection } } } }`;
export const STAR_THRESHOLDS = `query DashStarThresholds($code: String) {
  starThresholds(regionCode: $code) { stars hours scope } }`;
export const STAR_RULES = `query DashStarRules($subject: String!, $code: String) {
  starRules(subject: $subject, regionCode: $code) { subject scope
    rules { stars hours activities volunteers rating } } }`;

// 试点: the pilots of a region (from their scorecards), quota sets, create and edit.
export const PILOTS = `query DashPilots($code: String!) {
  scorecard(regionCode: $code) { ${CARD} } pilotQuotaSets { code name provincePrefix
    quotas { pilotType item target minMembers sixStandard } } }`;
export const CREATE_PILOT = `mutation DashCreatePilot($input: CreatePilotInput!) {
  createPilot(input: $input) { pilot { id } ${ERRORS} } }`;
export const UPDATE_PILOT = `mutation DashUpdatePilot($input: UpdatePilotInput!) {
  updatePilot(input: $input) { pilot { id } ${ERRORS} } }`;

// 主题活动: tag the region's activities and demands of an edition's dates with it (each with
// the editions it is tagged with already).
const TAGS = "campaignTags { peopleServed edition { id } }";
export const TAGGABLE = `query DashTaggable($code: String!, $from: DateTime!, $to: DateTime!) {
  activities(first: 100, filter: { regionCode: $code, from: $from, to: $to,
    statuses: ["published", "closed"] }) { edges { node { id title startsAt ${TAGS} } } }
  demands(first: 100, filter: { regionCode: $code, from: $from, to: $to }) {
    edges { node { id title startsAt status ${TAGS} } } } }`;
export const TAG_CAMPAIGN = `mutation DashTagCampaign($input: TagCampaignInput!) {
  tagCampaign(input: $input) { count ${ERRORS} } }`;
export const UNTAG_CAMPAIGN = `mutation DashUntagCampaign($input: UntagCampaignInput!) {
  untagCampaign(input: $input) { count ${ERRORS} } }`;

// The office's measures (hub/schema/office_measures.py): any of them on the map and by month.
export const OFFICE_MEASURES = `query DashOfficeMeasures { officeMeasures { measure label labelZh
  labelEn unit cumulative } }`;
export const REGION_MEASURE = `query DashRegionMeasure($code: String!, $measure: OfficeMeasure!,
  $from: Date!, $to: Date!) { regionMeasure(regionCode: $code, measure: $measure, from: $from,
  to: $to) { regionCode regionName total children { regionCode regionName level value } } }`;
export const REGION_SERIES = `query DashRegionSeries($code: String!, $measures: [OfficeMeasure!]!,
  $from: Date!, $to: Date!) { regionSeries(regionCode: $code, measures: $measures, from: $from,
  to: $to) { regionCode regionName months series { measure { measure } values } } }`;
