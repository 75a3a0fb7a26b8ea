/**
 * The part of jsfive's (untyped, pure-JavaScript) API that hdf5.ts uses. jsfive throws strings
 * as well as Errors; hdf5.ts turns both into FrontendErrors.
 */
declare module 'jsfive' {
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    /** '<f4', '>f8', '<i4', … for numbers; something else (an array or object) for other classes. */
    readonly dtype: unknown;
    readonly value: ArrayLike<number> | unknown;
    readonly attrs: Record<string, unknown>;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
