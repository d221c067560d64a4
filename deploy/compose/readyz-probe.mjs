// Health probe of the burrow image (its HEALTHCHECK and docker-compose.yml's health checks): exits
// 0 when GET /readyz answers 200, else 1. node itself probes: the image has neither curl nor wget.
//
//   node readyz-probe.mjs http://127.0.0.1:9100/readyz   probes that URL (compose names each port)
//   node readyz-probe.mjs                                 probes every port a burrow process may
//                                                         serve here (WORKER_HTTP_PORT,
//                                                         SCHEDULER_HTTP_PORT, API_PORT)
//
// Without arguments the one image needs no per-process check: a container runs one process, so
// the other ports refuse at once and the one that listens decides.
import http from 'node:http';

const TIMEOUT_MS = 4_000;

function urlsFromEnv(env) {
  const ports = [env.WORKER_HTTP_PORT, env.SCHEDULER_HTTP_PORT, env.API_PORT || '5555'];
  return [...new Set(ports.filter((port) => port && port !== '0'))].map(
    (port) => `http://127.0.0.1:${port}/readyz`,
  );
}

/** Resolves true when the URL answers 200 within the timeout; never rejects. */
function isReady(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: TIMEOUT_MS }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

const urls = process.argv.length > 2 ? process.argv.slice(2) : urlsFromEnv(process.env);
const answers = await Promise.all(urls.map(isReady));
process.exit(answers.includes(true) ? 0 : 1);
