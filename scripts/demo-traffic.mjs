// `npm run demo:traffic`: opt-in background traffic for the demo, bounded
// in count and time: IPNG_DEMO_REQUESTS requests (default 600) spread over
// at most IPNG_DEMO_SECONDS seconds (default 60), loopback only.
import { request } from 'node:http';

const port = Number(process.env.IPNG_DEMO_PORT || 8080);
const total = Number(process.env.IPNG_DEMO_REQUESTS || 600);
const seconds = Number(process.env.IPNG_DEMO_SECONDS || 60);
const paths = ['/', '/hello', '/hello', '/hello', '/moved', '/missing', '/error'];
const deadline = Date.now() + seconds * 1000;
const gapMs = (seconds * 1000) / total;
const byStatus = {};

for (let i = 0; i < total && Date.now() < deadline; i++) {
  const status = await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: paths[i % paths.length], agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve('error'));
    req.setTimeout(5000, () => req.destroy());
    req.end();
  });
  byStatus[status] = (byStatus[status] || 0) + 1;
  await new Promise((r) => setTimeout(r, gapMs));
}
console.log('sent:', JSON.stringify(byStatus));
