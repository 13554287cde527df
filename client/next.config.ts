import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
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
