// Chinese labels by default, with an English switch.
const TEXT = {
  zh: {
    title: "科技志愿服务调度台", token: "令牌", signIn: "登录", region: "区域", city: "市",
    category: "类别", skills: "技能", date: "日期", preview: "预览派单", commit: "提交派单",
    all: "全部", anonymous: "未登录（志愿者位置已模糊）", needed: "需要人数", starts: "开始",
    ends: "结束", status: "状态", candidates: "候选志愿者", noCandidates: "附近无候选人",
    filled: "已分配", unfilled: "未满足", distance: "总距离", offered: "已派单", skipped: "跳过",
    live: "实时状态", liveOff: "实时订阅不可用", liveOn: "实时订阅已连接", volunteers: "志愿者",
    planFor: "派单区域", noRegion: "请先选择区域或移动地图到某一地区",
  },
  en: {
    title: "Volunteer dispatch console", token: "Token", signIn: "Sign in", region: "Region",
    city: "City", category: "Category", skills: "Skills", date: "Date",
    preview: "Preview dispatch", commit: "Commit", all: "All",
    anonymous: "anonymous (volunteer homes coarsened)", needed: "Needed", starts: "Starts",
    ends: "Ends", status: "Status", candidates: "Candidates", noCandidates: "No candidates nearby",
    filled: "Filled", unfilled: "Unfilled", distance: "Total distance", offered: "Offered",
    skipped: "Skipped", live: "Live", liveOff: "live updates unavailable",
    liveOn: "live updates connected", volunteers: "volunteers", planFor: "Region",
    noRegion: "Choose a region or move the map over one first",
  },
};

export const CATEGORIES = {
  health: ["健康科普", "Health"], youth_science: ["青少年科学", "Youth science"],
  biosafety: ["生物安全", "Biosafety"], emergency: ["应急科普", "Emergency"],
  agri_tech: ["农业技术", "Agri-tech"], anti_pseudoscience: ["反伪科学", "Anti-pseudoscience"],
  rural_industry: ["乡村产业", "Rural industry"],
  enterprise_innovation: ["企业创新", "Enterprise innovation"],
};

let lang = localStorage.getItem("hub.lang") === "en" ? "en" : "zh";

export const getLang = () => lang;
export const t = (key) => TEXT[lang][key] ?? key;
export const categoryName = (code) => (CATEGORIES[code] ?? [code, code])[lang === "zh" ? 0 : 1];

export function setLang(next) {
  lang = next;
  localStorage.setItem("hub.lang", next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}
