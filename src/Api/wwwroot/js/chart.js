// The equity curve of a finished backtest, drawn with the vendored TradingView Lightweight Charts (see
// ../vendor/README.md for its version, licence and how to update it).
import { createChart, AreaSeries, ColorType } from '../vendor/lightweight-charts-5.2.1/lightweight-charts.standalone.production.mjs';

let chart = null;
let series = null;

/** Shows [{time, equity}] in the container; returns the number of points drawn. */
export function showEquity(container, curve) {
  if (!chart) {
    chart = createChart(container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: 'transparent' },
        textColor: '#8b949e',
        // The built-in logo adds an inline <style> element, which the page's CSP refuses; the attribution link
        // the licence asks for is shown under the chart and in the footer instead.
        attributionLogo: false,
      },
      grid: { vertLines: { color: '#21262d' }, horzLines: { color: '#21262d' } },
      rightPriceScale: { borderColor: '#30363d' },
      timeScale: { borderColor: '#30363d' },
    });
    series = chart.addSeries(AreaSeries, {
      lineColor: '#2f81f7', topColor: 'rgba(47,129,247,0.35)', bottomColor: 'rgba(47,129,247,0.02)', lineWidth: 2,
      priceFormat: { type: 'price', precision: 0, minMove: 1 },
    });
  }
  const points = [];
  let last = -Infinity;
  for (const p of curve) {
    const time = Math.floor(Date.parse(p.time) / 1000);
    if (!(time > last)) continue; // strictly ascending, as the library requires
    points.push({ time, value: Number(p.equity) });
    last = time;
  }
  series.setData(points);
  chart.timeScale().fitContent();
  return points.length;
}
