// What the benchmark charts (scripts/bench-chart.mjs, scripts/bench-peers-chart.mjs) share:
// text escaping and the SVG page with its title styles. The charts are written by hand: no
// dependency and no network.

/** Text for SVG: markup escaped, Markdown's code quotes dropped. */
export const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, '');

/**
 * A whole SVG document: a white page of `width` × `height` with the shared classes (.t title,
 * .s subtitle, .n note, .h heading) and the chart's own `style` rules, then `body`.
 */
export function svgPage(width, height, style, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<style>
.t { font-size: 16px; font-weight: bold; fill: #222; }
.s, .n { font-size: 11px; fill: #555; }
.h { font-size: 13px; font-weight: bold; fill: #222; }
${style.trim()}
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
${body}
</svg>
`;
}
