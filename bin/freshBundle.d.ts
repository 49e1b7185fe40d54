/** See freshBundle.js. */
export declare const freshBundle: (root: URL) => URL | undefined
