export declare function loadCorpus(): { name: string; bytes: Uint8Array }[];
