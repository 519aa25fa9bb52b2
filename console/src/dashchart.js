// Chart.js (npm, bundled) for the 看板: one chart per canvas, redrawn in place.
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement,
  LinearScale, PointElement, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController,
  LineElement, PointElement, Legend, Tooltip);
const charts = new Map();
export const COLOURS = ["#d7301f", "#2171b5", "#1a9850", "#984ea3", "#ff7f00", "#a65628",
  "#f781bf", "#666666", "#e6ab02", "#1b9e77", "#7570b3", "#66a61e"];

// Draws `datasets` over `labels` on the canvas (a previous chart on it is destroyed first).
export function chart(canvas, type, labels, datasets) {
  charts.get(canvas)?.destroy();
  charts.set(canvas, new Chart(canvas, { type, data: { labels, datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: datasets.length > 1 || type === "line",
        labels: { boxWidth: 10, font: { size: 10 } } } } } }));
}
