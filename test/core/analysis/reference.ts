// The values reference.R computed with R (reference-values.json), typed for the tests.
import { readFileSync } from 'node:fs';

type Num = number | null; // R's NA (an undefined statistic) is written as null

export interface ProportionValue {
  readonly x: number;
  readonly n: number;
  readonly estimate: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface DifferenceValue {
  readonly x1: number;
  readonly n1: number;
  readonly x2: number;
  readonly n2: number;
  readonly estimate: Num;
  readonly lower: Num;
  readonly upper: Num;
  readonly pValue: Num;
}
export interface MeanValue {
  readonly n: number;
  readonly mean: Num;
  readonly sd: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface WelchValue {
  readonly estimate: Num;
  readonly df: Num;
  readonly t: Num;
  readonly pValue: Num;
  readonly lower: Num;
  readonly upper: Num;
}
export interface DatasetSet {
  readonly subset: 'ALL' | 'NR' | 'PR';
  readonly population: 'ITT' | 'COMPLETERS';
  readonly arms: readonly {
    readonly arm: string;
    readonly randomized: number;
    readonly inPopulation: number;
    readonly change: MeanValue & { readonly missing: number; readonly imputed: number };
    readonly evr: ProportionValue;
  }[];
  readonly comparisons: readonly {
    readonly arm: string;
    readonly change: WelchValue;
    readonly evr: Omit<DifferenceValue, 'x1' | 'n1' | 'x2' | 'n2'>;
  }[];
}
export interface OtherShapeReference {
  readonly arms: readonly {
    readonly arm: string;
    readonly inPopulation: number;
    readonly change: MeanValue;
    readonly responders: ProportionValue;
  }[];
  readonly comparison: {
    readonly arm: string;
    readonly change: WelchValue;
    readonly responders: Omit<DifferenceValue, 'x1' | 'n1' | 'x2' | 'n2'>;
  };
}
export interface AnalysisReference {
  readonly generatedBy: string;
  readonly named: {
    readonly fisher: { x1: number; n1: number; x2: number; n2: number; pValue: number };
    readonly clopperPearson: ProportionValue;
    readonly newcombe: DifferenceValue;
  };
  readonly edge: {
    readonly proportions: readonly ProportionValue[];
    readonly differences: readonly DifferenceValue[];
    readonly means: readonly (MeanValue & { readonly name: string; readonly values: number[] })[];
    readonly welch: readonly (WelchValue & {
      readonly name: string;
      readonly x: number[];
      readonly y: number[];
    })[];
  };
  readonly dataset: readonly DatasetSet[];
  readonly otherShape: OtherShapeReference;
}

export const reference = JSON.parse(
  readFileSync(new URL('./reference-values.json', import.meta.url), 'utf8'),
) as AnalysisReference;
