// Small inline SVG line charts, drawn here (no chart library): one or more series over the
// same time axis, a gap where a value is null, the latest value and the maximum as text.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 320;
const HEIGHT = 90;
const PAD = 4;

function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/**
 * A chart of `series` ([{label, values: [number|null], css}]) with `capacity` points across;
 * `format` renders a value. The picture is described in text for screen readers.
 */
export function lineChart({ title, series, capacity, format }) {
  const figure = document.createElement("figure");
  figure.className = "chart";
  const caption = document.createElement("figcaption");
  figure.append(caption);
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  const max = Math.max(1e-9, ...all);
  const picture = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", preserveAspectRatio: "none", class: "chart-svg" });
  const titleElement = svg("title", {});
  picture.append(titleElement);
  picture.append(svg("line", { x1: 0, y1: HEIGHT - PAD, x2: WIDTH, y2: HEIGHT - PAD, class: "chart-axis" }));
  const x = (index, count) => WIDTH - (count - 1 - index) * (WIDTH / Math.max(1, capacity - 1));
  const y = (value) => HEIGHT - PAD - (value / max) * (HEIGHT - 2 * PAD);
  const legend = [];
  for (const s of series) {
    let path = "";
    let pen = false;
    s.values.forEach((value, index) => {
      if (value === null || !Number.isFinite(value)) { pen = false; return; }
      path += `${pen ? "L" : "M"}${x(index, s.values.length).toFixed(1)},${y(value).toFixed(1)} `;
      pen = true;
    });
    if (path) picture.append(svg("path", { d: path.trim(), class: "chart-line " + s.css }));
    const latest = [...s.values].reverse().find((v) => v !== null && Number.isFinite(v));
    const last = s.values.length - 1;
    if (last >= 0 && s.values[last] !== null && Number.isFinite(s.values[last])) {
      // The latest point, marked: visible even while the line has a single point.
      picture.append(svg("circle", { cx: x(last, s.values.length) - 3, cy: y(s.values[last]), r: 3, class: "chart-dot " + s.css }));
    }
    legend.push({ label: s.label, css: s.css, text: latest === undefined ? "–" : format(latest) });
  }
  const summary = legend.map((l) => `${l.label} ${l.text}`).join(", ");
  titleElement.textContent = `${title}: ${summary}; highest ${all.length ? format(max) : "–"}`;
  const heading = document.createElement("span");
  heading.className = "chart-title";
  heading.textContent = title;
  caption.append(heading);
  for (const l of legend) {
    const item = document.createElement("span");
    item.className = "chart-legend " + l.css;
    item.textContent = `${l.label} ${l.text}`;
    caption.append(item);
  }
  figure.append(picture);
  const scale = document.createElement("span");
  scale.className = "chart-scale";
  scale.textContent = all.length ? `max ${format(max)}` : "no data yet";
  figure.append(scale);
  return figure;
}
