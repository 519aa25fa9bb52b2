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

const ROUND = `id award awardZh level regionCode year categories places status publishedAt`;
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
