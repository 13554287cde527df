import path from 'node:path';
import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The container image (client/Dockerfile) runs Next.js's standalone server, a copy of the build with
  // only the files it loads; `npm start` runs `next start` on the ordinary build.
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
  // The workspaces' dependencies are installed at the repository root: files are traced from there.
  outputFileTracingRoot: path.join(__dirname, '..'),
  reactStrictMode: true,
  // Metadata resolved before the first byte for every browser, not only for bots: a page whose title
  // comes from the API (a ticket's) has its <title> in the HTML head at once, for screen readers,
  // tabs and history, with or without JavaScript, instead of streamed in after the page.
  htmlLimitedBots: /.*/,
  typescript: { tsconfigPath: 'tsconfig.build.json' },
  // On every path, static files included; the Content-Security-Policy, which has a nonce per page, is set in src/proxy.ts.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          // The frame-ancestors 'none' of the policy, for browsers that only know this header.
          { key: 'X-Frame-Options', value: 'DENY' },
          // Other sites learn that a visitor came from us, never from which page (ids are in our paths).
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
