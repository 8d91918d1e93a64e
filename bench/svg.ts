/**
 * Hand-written SVG charts of a benchmark run (no chart library): the goals of issue 19 as bars
 * against their limits, and the scale curves with their least-squares fits. `bench/run.ts` writes
 * them into docs/ after a full run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Curve, GoalResult, ScenarioResult } from './lib.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r = (n: number) => Math.round(n * 10) / 10;

/** A number for a label: three significant digits, thousands separated. */
export function short(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1000 || Number.isInteger(n)) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  return n.toPrecision(3);
}

/** Whether a goal is met. */
export function met(goal: GoalResult): boolean {
  return goal.atLeast ? goal.value >= goal.limit : goal.value <= goal.limit;
}

/** Bars of each goal's value on its own scale, the limit as a dashed mark. */
export function goalsSvg(goals: readonly GoalResult[], caption: string): string {
  const width = 980;
  const labelWidth = 450;
  const barWidth = 280;
  const row = 36;
  const top = 44;
  const height = top + goals.length * row + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="24" font-size="16" font-weight="600">transportkit: goals of one benchmark run (bar: value; dashed: the goal's limit)</text>`,
  ];
  goals.forEach((goal, i) => {
    const y = top + i * row;
    // Every row on its own scale with the limit in the middle; a value past twice the limit is cut (›).
    const scale = goal.limit * 2 || 1;
    const ok = met(goal);
    const w = Math.min(1, goal.value / scale) * barWidth;
    const lx = labelWidth + (goal.limit / scale) * barWidth;
    parts.push(
      `<text x="12" y="${y + 21}">${esc(goal.name)}</text>`,
      `<rect x="${labelWidth}" y="${y + 8}" width="${r(Math.max(1, w))}" height="18" rx="2" fill="${ok ? '#16a34a' : '#dc2626'}" fill-opacity="0.8"/>`,
      `<line x1="${r(lx)}" y1="${y + 3}" x2="${r(lx)}" y2="${y + 31}" stroke="#111" stroke-width="2" stroke-dasharray="4 3"/>`,
      ...(goal.value > scale ? [`<text x="${labelWidth + barWidth - 12}" y="${y + 22}" fill="#fff" font-weight="700">›</text>`] : []),
      `<text x="${labelWidth + barWidth + 12}" y="${y + 21}">${esc(`${short(goal.value)}${goal.unit ?? ''}`)} <tspan fill="#555">(goal ${goal.atLeast ? '≥' : '≤'} ${short(goal.limit)}${goal.unit ?? ''})</tspan> ${ok ? '✔' : '✘'}</text>`,
    );
  });
  parts.push(`<text x="12" y="${height - 10}" fill="#555" font-size="11">${esc(caption)}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** Small multiples: one panel per curve, points joined, fits dashed. */
export function curvesSvg(curves: readonly Curve[], caption: string): string {
  const columns = 2;
  const panelW = 490;
  const panelH = 330;
  const width = columns * panelW;
  const height = 40 + Math.ceil(curves.length / columns) * panelH + 24;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="24" font-size="16" font-weight="600">transportkit: how cost grows with scale (points measured, dashed: least-squares fit)</text>`,
  ];
  curves.forEach((curve, i) => parts.push(panel(curve, (i % columns) * panelW, 40 + Math.floor(i / columns) * panelH, panelW, panelH)));
  parts.push(`<text x="12" y="${height - 8}" fill="#555">${esc(caption)}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

function panel(curve: Curve, ox: number, oy: number, w: number, h: number): string {
  const left = ox + 64;
  const right = ox + w - 34;
  const topY = oy + 28;
  const bottom = oy + h - 110;
  const xs = curve.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = curve.series.flatMap((s) => s.points.map(([, y]) => y));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(...ys, 0));
  const tx = (x: number) =>
    curve.logX ? left + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * (right - left) : left + ((x - xMin) / (xMax - xMin || 1)) * (right - left);
  const ty = (y: number) => bottom - (y / yMax) * (bottom - topY);
  const out = [
    `<text x="${ox + 12}" y="${oy + 16}" font-size="13" font-weight="600">${esc(curve.title)}</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${topY}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${(left + right) / 2}" y="${bottom + 30}" text-anchor="middle" fill="#333">${esc(curve.x)}</text>`,
    `<text x="${ox + 14}" y="${(topY + bottom) / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 ${ox + 14} ${(topY + bottom) / 2})">${esc(curve.y)}</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    out.push(
      `<line x1="${left}" y1="${r(ty(v))}" x2="${right}" y2="${r(ty(v))}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${r(ty(v)) + 4}" text-anchor="end" fill="#333">${short(v)}</text>`,
    );
  }
  let lastLabel = Number.NEGATIVE_INFINITY;
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    // Labels closer than 40 px would overlap (10 and 1,000 on a linear axis up to 100,000).
    if (tx(x) - lastLabel < 40) continue;
    lastLabel = tx(x);
    out.push(`<text x="${r(tx(x))}" y="${bottom + 15}" text-anchor="middle" fill="#333">${short(x)}</text>`);
  }
  curve.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = [...series.points].sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([x, y]) => `${r(tx(x))},${r(ty(y))}`).join(' ')}"/>`);
    for (const [x, y] of points) out.push(`<circle cx="${r(tx(x))}" cy="${r(ty(y))}" r="3.5" fill="${color}"/>`);
    if (series.fit) {
      const { slope, intercept } = series.fit;
      const samples = Array.from({ length: 40 }, (_, k) => (curve.logX ? xMin * (xMax / xMin) ** (k / 39) : xMin + ((xMax - xMin) * k) / 39));
      const line = samples
        .map((x) => [x, intercept + slope * x] as const)
        .filter(([, y]) => y >= 0 && y <= yMax)
        .map(([x, y]) => `${r(tx(x))},${r(ty(y))}`);
      if (line.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 4" opacity="0.8" points="${line.join(' ')}"/>`);
    }
    const fit = series.fit ? `: slope ${short(series.fit.slope * (curve.slopeScale ?? 1))} ${esc(curve.slopeUnit ?? '')}, R² ${series.fit.r2.toFixed(3)}` : '';
    out.push(
      `<rect x="${ox + 64}" y="${bottom + 38 + i * 13}" width="10" height="3" fill="${color}"/>`,
      `<text x="${ox + 80}" y="${bottom + 42 + i * 13}" fill="#333">${esc(series.name)}${fit}</text>`,
    );
  });
  return out.join('\n');
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Writes docs/bench-ratios.svg and docs/bench-scale.svg of a full run's results. */
export function writeCharts(root: string, results: readonly ScenarioResult[], caption: string): void {
  writeFileSync(join(root, 'docs', 'bench-ratios.svg'), goalsSvg(results.flatMap((r) => r.goals ?? []), caption));
  writeFileSync(join(root, 'docs', 'bench-scale.svg'), curvesSvg(results.flatMap((r) => r.curves ?? []), caption));
}

/** The caption under both charts: when, on what, how long. */
export function chartCaption(run: { readonly machine: string; readonly seconds: number; readonly date: string }): string {
  return `npm run bench, ${run.date.slice(0, 10)}: ${run.machine}; ${run.seconds.toFixed(0)} s`;
}
