import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Metadata resolved before the first byte for every browser, not only for bots: a page whose title
  // comes from the API (a ticket's) has its <title> in the HTML head at once, for screen readers,
  // tabs and history, with or without JavaScript, instead of streamed in after the page.
  htmlLimitedBots: /.*/,
  typescript: { tsconfigPath: 'tsconfig.build.json' },
};

export default nextConfig;
