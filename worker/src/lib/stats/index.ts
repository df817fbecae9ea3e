/** Small, dependency-free, deterministic statistics for scoring: pure functions only. */
export { auc, aucWithSe, type AucResult } from './auc'
export { brierScore, calibrationTable, type CalibrationBin } from './calibration'
export { chiSquare2x2, fisherExact, mantelHaenszel, quantileStrata, type MantelHaenszel, type Table2x2 } from './contingency'
export {
  chooseL2,
  fitRows,
  kFoldCrossValidate,
  L2_GRID,
  stratifiedFolds,
  type CrossValidated,
  type L2Choice,
  type LabelledRow,
} from './cross-validation'
export { chiSquare1Sf, erfc, normalCdf, twoSidedNormalP } from './distributions'
export { fitLogistic, logLoss, predictLogistic, type LogisticModel, type LogisticOptions } from './logistic'
export { benjaminiHochberg, type BhResult } from './multiple-testing'
export { mulberry32, shuffled, type Rng } from './prng'
export { newcombeDifferenceInterval, wilsonInterval, type DifferenceInterval } from './proportions'
