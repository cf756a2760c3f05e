// Rules of this area, one per file; each is re-exported here.
export {};
