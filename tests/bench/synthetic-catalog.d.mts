export declare const PERMISSION_COUNT: number;
export declare const LIMIT_COUNT: number;
export declare function tierKey(i: number): string;
export declare function catalogYaml(): string;
export declare function tierYaml(i: number, revision?: number): string;
export declare function writeSyntheticCatalog(dir: string, count: number, options?: { updateEvery?: number }): void;
