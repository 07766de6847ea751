// Prints the golden values of tests/test_datasets.py (JS_GOLDEN) with JavaScript doubles.
//
//   node tests/data/dataset_golden.js
//
// A transcription, in JavaScript, of the stream and the generators as docs/playground.md
// states them (sections 2, 3): seedrandom 2.4.4's ARC4 stream, the four datasets the test
// uses, d3 v3's linear-scale arithmetic, the Fisher-Yates shuffle and the split. Running it
// under node gives V8's Math.sin/cos/sqrt, so the Python generators are checked against the
// same arithmetic the browser does. Each row: seed, dataset, noise %, train %, split index,
// the first three shuffled points (x, y, label) and the stream's next draw afterwards.
"use strict";

function arc4Stream(seed) {
  // key from the seed string (docs/playground.md §2.1)
  const key = [];
  let smear = 0;
  for (let j = 0; j < seed.length; j++) {
    const k = j & 255;
    smear ^= (key[k] || 0) * 19;
    key[k] = (smear + seed.charCodeAt(j)) & 255;
  }
  if (!key.length) key.push(0);
  const S = [];
  for (let i = 0; i < 256; i++) S[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + key[i % key.length] + S[i]) & 255;
    [S[i], S[j]] = [S[j], S[i]];
  }
  let si = 0, sj = 0;
  function bytes(m) {  // the next m bytes as one big-endian integer
    let r = 0;
    for (let n = 0; n < m; n++) {
      si = (si + 1) & 255;
      sj = (sj + S[si]) & 255;
      [S[si], S[sj]] = [S[sj], S[si]];
      r = r * 256 + S[(S[si] + S[sj]) & 255];
    }
    return r;
  }
  bytes(256);  // thrown away
  return function random() {
    let n = bytes(6), d = 2 ** 48, x = 0;
    while (n < 2 ** 52) { n = (n + x) * 256; d *= 256; x = bytes(1); }
    while (n >= 2 ** 53) { n /= 2; d /= 2; x >>>= 1; }
    return (n + x) / d;
  };
}

let random = null;
const U = (a, b) => random() * (b - a) + a;
// d3 v3: t = (v - d0) / (d1 - d0), then a * (1 - t) + b * t
const d3scale = (d0, d1, a, b) => (v) => { const t = (v - d0) / (d1 - d0); return a * (1 - t) + b * t; };

function normal(mean, variance) {  // Marsaglia's polar method, first variate
  let v1, v2, s;
  do { v1 = 2 * random() - 1; v2 = 2 * random() - 1; s = v1 * v1 + v2 * v2; } while (s > 1);
  return mean + Math.sqrt(variance) * v1 * Math.sqrt(-2 * Math.log(s) / s);
}

const generators = {
  circle(n, noise) {
    const out = [], label = (x, y) => (Math.hypot(x, y) < 2.5 ? 1 : -1);
    for (const [lo, hi] of [[0, 2.5], [3.5, 5]]) {
      for (let i = 0; i < n / 2; i++) {
        const r = U(lo, hi), angle = U(0, 2 * Math.PI);
        const x = r * Math.sin(angle), y = r * Math.cos(angle);
        const nx = U(-5, 5) * noise, ny = U(-5, 5) * noise;
        out.push([x, y, label(x + nx, y + ny)]);
      }
    }
    return out;
  },
  xor(n, noise) {
    const out = [], pad = 0.3;
    for (let i = 0; i < n; i++) {
      let x = U(-5, 5); x += x > 0 ? pad : -pad;
      let y = U(-5, 5); y += y > 0 ? pad : -pad;
      const nx = U(-5, 5) * noise, ny = U(-5, 5) * noise;
      out.push([x, y, (x + nx) * (y + ny) >= 0 ? 1 : -1]);
    }
    return out;
  },
  "reg-plane"(n, noise) {
    const out = [], label = d3scale(-10, 10, -1, 1);
    for (let i = 0; i < n; i++) {
      const x = U(-6, 6), y = U(-6, 6);
      const nx = U(-6, 6) * noise, ny = U(-6, 6) * noise;
      out.push([x, y, label((x + nx) + (y + ny))]);
    }
    return out;
  },
  "reg-gauss"(n, noise) {
    const cone = d3scale(0, 2, 1, 0);
    const bumps = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
    const label = (x, y) => {
      let best = 0;
      for (const [cx, cy, sign] of bumps) {
        const v = sign * Math.min(1, Math.max(0, cone(Math.hypot(x - cx, y - cy))));
        if (Math.abs(v) > Math.abs(best)) best = v;
      }
      return best;
    };
    const out = [];
    for (let i = 0; i < n; i++) {
      const x = U(-6, 6), y = U(-6, 6);
      const nx = U(-6, 6) * noise, ny = U(-6, 6) * noise;
      out.push([x, y, label(x + nx, y + ny)]);
    }
    return out;
  },
};
// (gauss is not among the golden rows; `normal` documents its draw order)
void normal;

function generateData(seed, dataset, noisePercent, trainPercent) {
  random = arc4Stream(seed);
  const n = dataset.startsWith("reg-") ? 1200 : 500;
  const points = generators[dataset](n, noisePercent / 100);
  for (let c = points.length; c > 0; c--) {  // Fisher-Yates
    const k = Math.floor(random() * c);
    [points[c - 1], points[k]] = [points[k], points[c - 1]];
  }
  const split = Math.floor(points.length * trainPercent / 100);
  return { split, first: points.slice(0, 3), next: random() };
}

const ROWS = [
  ["0.61803", "reg-plane", 25, 50],
  ["0.61803", "xor", 10, 50],
  ["0.35116", "reg-gauss", 30, 70],
  ["0.61803", "circle", 0, 50],
];
for (const [seed, dataset, noise, train] of ROWS) {
  const { split, first, next } = generateData(seed, dataset, noise, train);
  console.log(JSON.stringify([seed, dataset, noise, train, split, first, next]));
}
