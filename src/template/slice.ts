/** A slice `[start:stop:step]` as a subscript value. */
export class SliceValue {
  constructor(
    readonly start: number | null,
    readonly stop: number | null,
    readonly step: number | null,
  ) {}
}
