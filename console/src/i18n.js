// The console's words. Codes (categories, statuses, roles, unfilled reasons…) are labelled from
// the one vocabulary the API and the templates use: GET /vocabulary.json, or, if that request
// fails, the copy of hub/data/vocabulary.json built into this bundle. UI text is below.
import builtIn from "../../hub/data/vocabulary.json";
import { FORMS_TEXT } from "./words.js";
import { DASH_TEXT } from "./dashwords.js";

const TEXT = {
  zh: {
    title: "科技志愿服务调度台", token: "令牌", signIn: "登录", region: "区域", province: "省",
    city: "市", category: "类别", skills: "技能", from: "开始日期", to: "结束日期",
    preview: "预览派单", commit: "确认派单…", all: "全部", anonymous: "未登录（志愿者位置已模糊）",
    needed: "需要人数", starts: "开始", ends: "结束", status: "状态", candidates: "候选志愿者",
    noCandidates: "附近无候选人", filled: "已分配", unfilled: "未满足", distance: "总距离",
    offered: "已派单", skipped: "跳过", live: "实时状态", liveOff: "实时订阅已断开，正在重连…",
    liveOn: "实时订阅已连接", liveNeedsSignIn: "登录后接收实时派单状态", volunteers: "志愿者",
    planFor: "派单范围", noRegion: "请先选择区域（省或市）", noDate: "请填写日期（YYYY-MM-DD）",
    badDate: "日期格式应为 YYYY-MM-DD", dateOrder: "结束日期不能早于开始日期",
    defaultScope: "默认：您令牌所属的辖区，日期为今天起 7 天（含首尾）",
    scope: "将为 {region} 规划 {from} 至 {to} 开始的待派单需求",
    confirmTitle: "确认派单", confirmText: "将向 {people} 名志愿者发出 {offers} 个派单邀请（{demands} 项需求）：",
    confirmGo: "确认并派单", cancel: "取消", unfilledList: "未满足的需求及原因",
    noUnfilled: "所有需求均已分配", dispatchTo: "派单", dispatchAsk: "向 {name} 派单：{title}？",
    dispatched: "已向 {name} 派单", legend: "图例", order: "点单（新建需求）",
    orderTitle: "需求名称", orderDate: "日期", orderStart: "开始时间", orderEnd: "结束时间",
    orderPlace: "地点", orderPick: "在地图上点击选择地点", orderStation: "站点",
    orderNoStation: "（不指定站点，按地图位置）", orderDescription: "说明", orderSubmit: "提交点单",
    orderDone: "已创建需求：{title}", orderNeedPlace: "请先在地图上点击选择地点",
    orderNoRegion: "所选地点不在已知的区县内", accepted: "已接单", basemapOffline: "离线底图（省、市、县界）",
    volunteerCells: "志愿者（按网格计数）", volunteerPoint: "志愿者", station: "服务站点",
    demandOpen: "需求：待派单", demandDispatched: "需求：已派单", demandInProgress: "需求：服务中",
    unfilledRing: "未满足的需求（点击查看原因）",
    assignLine: "预览的派单（志愿者 → 需求）", acceptedMark: "志愿者已接单",
    boundaryProvince: "省界", boundaryCity: "市界", boundaryCounty: "县界",
    signedInAs: "当前身份", km: "公里", person: "人",
  },
  en: {
    title: "Volunteer dispatch console", token: "Token", signIn: "Sign in", region: "Region",
    province: "Province", city: "City", category: "Category", skills: "Skills", from: "From",
    to: "To", preview: "Preview dispatch", commit: "Confirm dispatch…", all: "All",
    anonymous: "anonymous (volunteer homes coarsened)", needed: "Needed", starts: "Starts",
    ends: "Ends", status: "Status", candidates: "Candidates", noCandidates: "No candidates nearby",
    filled: "Filled", unfilled: "Unfilled", distance: "Total distance", offered: "Offered",
    skipped: "Skipped", live: "Live", liveOff: "live updates lost, reconnecting…",
    liveOn: "live updates connected", liveNeedsSignIn: "sign in for live dispatch states",
    volunteers: "volunteers", planFor: "Planning", noRegion: "Choose a region (province or city)",
    noDate: "Enter the dates (YYYY-MM-DD)", badDate: "Dates are YYYY-MM-DD",
    dateOrder: "The end date is before the start date",
    defaultScope: "Default: your token's region, the 7 days from today (inclusive)",
    scope: "Plans the open demands of {region} starting {from} to {to}",
    confirmTitle: "Confirm dispatch",
    confirmText: "{offers} offers go to {people} volunteers ({demands} demands):",
    confirmGo: "Confirm and dispatch", cancel: "Cancel", unfilledList: "Unfilled demands and why",
    noUnfilled: "Every demand is filled", dispatchTo: "Dispatch",
    dispatchAsk: "Offer \"{title}\" to {name}?", dispatched: "Offered to {name}", legend: "Legend",
    order: "Raise a demand (点单)", orderTitle: "Title", orderDate: "Date", orderStart: "Starts",
    orderEnd: "Ends", orderPlace: "Place", orderPick: "click the map to choose the place",
    orderStation: "Station", orderNoStation: "(no station: the place on the map)",
    orderDescription: "Description", orderSubmit: "Raise demand", orderDone: "Raised: {title}",
    orderNeedPlace: "Click the map to choose the place first",
    orderNoRegion: "The place lies in no known county", accepted: "Accepted",
    basemapOffline: "Offline basemap (province, city, county borders)",
    volunteerCells: "Volunteers (count per cell)", volunteerPoint: "Volunteer",
    station: "Service station", demandOpen: "Demand: open", demandDispatched: "Demand: dispatched",
    demandInProgress: "Demand: in progress",
    unfilledRing: "Unfilled demand (click for why)", assignLine: "Previewed offer (volunteer → demand)",
    acceptedMark: "Accepted by a volunteer", boundaryProvince: "Province border",
    boundaryCity: "City border", boundaryCounty: "County border", signedInAs: "Signed in as",
    km: "km", person: "",
  },
};

for (const l of ["zh", "en"]) Object.assign(TEXT[l], FORMS_TEXT[l], DASH_TEXT[l]);

let lang = localStorage.getItem("hub.lang") === "en" ? "en" : "zh";
let vocabulary = builtIn;

export const getLang = () => lang;

// UI text, with {name} placeholders filled from `values`.
export function t(key, values = {}) {
  const text = TEXT[lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

// The label of a code in a vocabulary group (category, skill, role, demandStatus,
// dispatchStatus, unfilledReason, stationKind…); the code itself when the group lacks it.
export function label(group, code) {
  const entry = vocabulary[group]?.[code];
  return entry ? (entry[lang] ?? entry.zh) : String(code ?? "");
}

export const codes = (group) => Object.keys(vocabulary[group] ?? {});

// Fetch the server's vocabulary; keep the built-in copy when it cannot be had.
export async function loadVocabulary() {
  try {
    const response = await fetch("/vocabulary.json");
    if (!response.ok) throw new Error(String(response.status));
    vocabulary = await response.json();
    return "server";
  } catch {
    vocabulary = builtIn;
    return "built-in";
  }
}

export function setLang(next) {
  lang = next;
  localStorage.setItem("hub.lang", next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}
