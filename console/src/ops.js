// The GraphQL documents of the console's review, publishing, attendance, settings, import and
// member panels (sent as text: the signed-in callers who use them may send any document).
const ERRORS = "errors { code field message messageZh messageEn }";
const PAGE = "totalCount pageInfo { hasNextPage endCursor }";
const LOG = "reviews { decision fromStatus toStatus reason actor at }";
const PUBLICATION = "publication { __typename ... on Station { id status } "
  + "... on Activity { id status } ... on Project { id status } }";

export const STATION_FIELDS = `id name kind address status contactName contactPhone
  location { lon lat } region { code name } organization { id name }
  sixHas { place team projects facilities rules signage complete }
  openingHours { weekday start end } ${LOG}`;
export const ACTIVITY_FIELDS = `id title description category status startsAt endsAt capacity
  signedUp placesLeft requiredSkills safetyPlan requiresInsurance location { lon lat }
  region { code name } station { id name } organization { id name } project { id name } ${LOG}`;
export const PROJECT_FIELDS = `id name description projectCategory: category status startsOn endsOn fundingYuan
  fundingSource subProgramme owner { id name } ${LOG}`;

// 审核: what waits for the caller's decision.
export const DEMANDS_TO_APPROVE = `query ReviewDemands($after: String) {
  demandsToApprove(first: 20, after: $after) { ${PAGE} edges { node {
    id title description category needed startsAt endsAt requiredSkills raisedByKind createdAt
    priority contactName contactPhone station { id name } region { code name } } } } }`;
export const STATIONS_TO_REVIEW = `query ReviewStations($after: String) {
  stations(first: 20, after: $after, filter: {statuses: ["pending_review"]}) { ${PAGE}
    edges { node { ${STATION_FIELDS} } } } }`;
export const ACTIVITIES_TO_REVIEW = `query ReviewActivities($after: String) {
  activities(first: 20, after: $after, filter: {statuses: ["pending_review"]}) { ${PAGE}
    edges { node { ${ACTIVITY_FIELDS} } } } }`;
export const PROJECTS_TO_REVIEW = `query ReviewProjects($after: String) {
  projects(first: 20, after: $after, filter: {statuses: ["pending_review"]}) { ${PAGE}
    edges { node { ${PROJECT_FIELDS} } } } }`;
export const CLAIMS_TO_APPROVE = `query ReviewClaims($after: String) {
  dispatches(first: 20, after: $after, filter: {states: ["claim_pending"]}) { ${PAGE}
    edges { node { id state startsAt endsAt offeredAt distanceM
      volunteer { id name } demand { id title category region { name } } } } } }`;

export const APPROVE_DEMAND = `mutation ApproveDemand($input: ApproveDemandInput!) {
  approveDemand(input: $input) { demand { id status } ${ERRORS} } }`;
export const REJECT_DEMAND = `mutation RejectDemand($input: RejectDemandInput!) {
  rejectDemand(input: $input) { demand { id status } ${ERRORS} } }`;
export const APPROVE_CLAIM = `mutation ApproveClaim($input: ApproveClaimInput!) {
  approveClaim(input: $input) { dispatch { id state } ${ERRORS} } }`;
export const REJECT_CLAIM = `mutation RejectClaim($input: RejectClaimInput!) {
  rejectClaim(input: $input) { dispatch { id state } ${ERRORS} } }`;
export const REVIEW_SUBMISSION = `mutation ReviewSubmission($input: ReviewSubmissionInput!) {
  reviewSubmission(input: $input) { ${PUBLICATION} ${ERRORS} } }`;

// 发布: create, edit, submit, close, archive.
export const CREATE = {
  station: `mutation CreateStation($input: CreateStationInput!) {
    createStation(input: $input) { station { ${STATION_FIELDS} } ${ERRORS} } }`,
  activity: `mutation CreateActivity($input: CreateActivityInput!) {
    createActivity(input: $input) { activity { ${ACTIVITY_FIELDS} } ${ERRORS} } }`,
  project: `mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) { project { ${PROJECT_FIELDS} } ${ERRORS} } }`,
};
export const UPDATE = {
  station: `mutation UpdateStation($input: UpdateStationInput!) {
    updateStation(input: $input) { station { ${STATION_FIELDS} } ${ERRORS} } }`,
  activity: `mutation UpdateActivity($input: UpdateActivityInput!) {
    updateActivity(input: $input) { activity { ${ACTIVITY_FIELDS} } ${ERRORS} } }`,
  project: `mutation UpdateProject($input: UpdateProjectInput!) {
    updateProject(input: $input) { project { ${PROJECT_FIELDS} } ${ERRORS} } }`,
};
export const SUBMIT = `mutation SubmitForReview($input: SubmitForReviewInput!) {
  submitForReview(input: $input) { ${PUBLICATION} ${ERRORS} } }`;
export const CLOSE = `mutation ClosePublication($input: ClosePublicationInput!) {
  closePublication(input: $input) { ${PUBLICATION} ${ERRORS} } }`;
export const ARCHIVE = `mutation ArchivePublication($input: ArchivePublicationInput!) {
  archivePublication(input: $input) { ${PUBLICATION} ${ERRORS} } }`;
export const LIST = {
  station: `query MyStations($statuses: [String!], $region: String) {
    stations(first: 30, filter: {statuses: $statuses, regionCode: $region}) { ${PAGE}
      edges { node { ${STATION_FIELDS} } } } }`,
  activity: `query MyActivities($statuses: [String!], $org: ID, $region: String) {
    activities(first: 30, filter: {statuses: $statuses, organizationId: $org,
      regionCode: $region}) { ${PAGE}
      edges { node { ${ACTIVITY_FIELDS} } } } }`,
  project: `query MyProjects($statuses: [String!], $org: ID) {
    projects(first: 30, filter: {statuses: $statuses, ownerId: $org}) { ${PAGE}
      edges { node { ${PROJECT_FIELDS} } } } }`,
};
export const PUBLICATION_NODE = `query Publication($id: ID!) { node(id: $id) {
  ... on Station { ${STATION_FIELDS} } ... on Activity { ${ACTIVITY_FIELDS} }
  ... on Project { ${PROJECT_FIELDS} } } }`;
// The caller's team and the teams beneath it (three levels: 总队 → 队 → 支队 → 分队).
export const TEAMS = `query Teams($id: ID!) { node(id: $id) { ... on Organization {
  id name level children { id name level children { id name level children { id name level } } } } } }`;

// 签到: the rotating code, and who signed up.
export const ISSUE_CODE = `mutation IssueCode($input: IssueActivityAttendanceCodeInput!) {
  issueActivityAttendanceCode(input: $input) {
    attendanceCode { code validFrom validUntil rotatesAt stepSeconds } ${ERRORS} } }`;

// 设置
const SETTING = "value source fromRegionCode";
export const REGION_SETTINGS = `query RegionSettings($code: String!) {
  regionSettings(regionCode: $code) { regionCode claimsNeedApproval { ${SETTING} }
    recordAutoConfirm { hours source fromRegionCode } } }`;
export const UPDATE_REGION_SETTINGS = `mutation UpdateRegionSettings($input: UpdateRegionSettingsInput!) {
  updateRegionSettings(input: $input) { pendingRecordsRescheduled settings { regionCode
    claimsNeedApproval { ${SETTING} } recordAutoConfirm { hours source fromRegionCode } }
    ${ERRORS} } }`;

// 导入
export const IMPORT_TEMPLATE = "query DemandImportTemplate { demandImportTemplate }";
export const IMPORT_DEMANDS = `mutation ImportDemands($input: ImportDemandsInput!) {
  importDemands(input: $input) { rowsRead imported skipped rejected loaded
    rowErrors { row column value reason reasonZh } rowNotes { row column value reason reasonZh }
    reportXlsxBase64 ${ERRORS} } }`;

// 成员
export const MEMBERS = `query Members($id: ID!) { node(id: $id) { ... on Organization {
  id name memberCount members { role volunteer { id name status } } } } }`;
export const SUSPEND = `mutation SuspendVolunteer($input: SuspendVolunteerInput!) {
  suspendVolunteer(input: $input) { ${ERRORS} } }`;
export const REINSTATE = `mutation ReinstateVolunteer($input: ReinstateVolunteerInput!) {
  reinstateVolunteer(input: $input) { ${ERRORS} } }`;

// The sign-ups of an activity, places first, then the waitlist in its order.
export const ACTIVITY_SIGN_UPS = `query ActivitySignUps($id: ID!) { node(id: $id) {
  ... on Activity { id signUps(first: 100) { totalCount edges { node {
    status waitlistPosition signedUpAt checkedInAt checkedOutAt volunteer { id name } } } } } } }`;
