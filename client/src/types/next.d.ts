// What next-env.d.ts (written by `next build` and `next dev`, not kept in git) brings in, so that
// type-checking works on a fresh clone too.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
