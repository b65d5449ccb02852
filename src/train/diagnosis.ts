// Loud diagnosis of a run that is not learning, from the events it already publishes. Each finding
// names what was seen, the likely cause and the flag that fixes it; it is printed when it happens,
// kept in metrics.jsonl (kind 'diagnosis'), listed in the summary and in the report. A finding is
// raised once per run (a collapse once per episode: it re-arms when the masks recover).
import type { TrainEvent } from './events.js';

/** The kinds of problem training diagnoses. */
export type DiagnosisCode = 'classifier-at-chance' | 'masks-empty' | 'masks-full' | 'masks-remove-nothing';

/** A problem noticed during training, with the step, the likely cause and the flag that fixes it. */
export interface Diagnosis {
  code: DiagnosisCode;
  step: number;
  message: string;
}

/** Accuracy at most this multiple of chance (1/K) counts as "at chance". */
export const CHANCE_FACTOR = 1.5;
/** Batch mean mask below / above these bounds is a collapse… */
export const MASK_EMPTY_BELOW = 0.02;
export const MASK_FULL_ABOVE = 0.98;
/** …when it lasts this many consecutive steps (or a quarter of the CASM phase, if shorter). */
export const COLLAPSE_WINDOW = 50;
/** Masked-out validation accuracy within this of the clean one: the masks remove nothing. */
export const MASKED_EQUALS_CLEAN = 0.02;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** What a checkpoint keeps, so a resumed run neither repeats nor misses a finding. */
export interface RunDiagnosisState {
  found: Diagnosis[];
  raised: DiagnosisCode[];
  lowStreak: number;
  highStreak: number;
  sameEpochs: number;
}

export class RunDiagnosis {
  readonly found: Diagnosis[] = [];
  private readonly raised = new Set<DiagnosisCode>();
  private lowStreak = 0;
  private highStreak = 0;
  private window = COLLAPSE_WINDOW;
  private sameEpochs = 0;

  constructor(private readonly numClasses: number) {}

  state(): RunDiagnosisState {
    return {
      found: this.found.map((d) => ({ ...d })),
      raised: [...this.raised],
      lowStreak: this.lowStreak,
      highStreak: this.highStreak,
      sameEpochs: this.sameEpochs,
    };
  }

  restore(state: RunDiagnosisState | undefined): void {
    if (!state) return;
    this.found.splice(0, this.found.length, ...(state.found ?? []));
    this.raised.clear();
    for (const code of state.raised ?? []) this.raised.add(code);
    this.lowStreak = state.lowStreak ?? 0;
    this.highStreak = state.highStreak ?? 0;
    this.sameEpochs = state.sameEpochs ?? 0;
  }

  private get chance(): number {
    return 1 / Math.max(1, this.numClasses);
  }

  private raise(code: DiagnosisCode, step: number, message: string): Diagnosis | null {
    if (this.raised.has(code)) return null;
    this.raised.add(code);
    const d = { code, step, message };
    this.found.push(d);
    return d;
  }

  /** The findings this event brings (usually none). */
  observe(e: TrainEvent): Diagnosis[] {
    const out: (Diagnosis | null)[] = [];
    const chanceLine = CHANCE_FACTOR * this.chance;
    switch (e.type) {
      case 'start':
        if (e.totalSteps > 0) this.window = Math.max(5, Math.min(COLLAPSE_WINDOW, Math.floor(e.totalSteps / 4)));
        break;
      case 'pretrain-epoch':
        // Judged after the last pretraining epoch: the classifier CASM starts from.
        if (e.val && e.epoch + 1 === e.epochs && e.val.accClean <= chanceLine)
          out.push(
            this.raise(
              'classifier-at-chance',
              e.step,
              `the classifier is at chance after pretraining (validation accuracy ${pct(e.val.accClean)}, chance ${pct(this.chance)} with ${this.numClasses} classes): ` +
                'CASM cannot learn masks for a classifier that sees nothing. Likely too few pretraining steps or crops that cut the objects out: ' +
                'raise --pretrain-epochs, use --pretrain-crop-scale 0.6,1, try --pretrain-lr 1e-3, or start from --init-weights',
            ),
          );
        break;
      case 'step': {
        const m = e.stats.maskMean;
        this.lowStreak = Number.isFinite(m) && m < MASK_EMPTY_BELOW ? this.lowStreak + 1 : 0;
        this.highStreak = Number.isFinite(m) && m > MASK_FULL_ABOVE ? this.highStreak + 1 : 0;
        // Re-arm after recovery, so a second collapse is reported too.
        if (this.lowStreak === 0) this.raised.delete('masks-empty');
        if (this.highStreak === 0) this.raised.delete('masks-full');
        if (this.lowStreak === this.window)
          out.push(
            this.raise(
              'masks-empty',
              e.step,
              `the masks have collapsed toward 0 (batch mean mask < ${MASK_EMPTY_BELOW} for ${this.window} steps, now ${m.toFixed(4)}): ` +
                'the area penalty wins over the classifier, usually because the classifier is weak (see its accuracy) or λr is too high for this data: ' +
                'set --target-mask-area to the share of the image the objects cover (e.g. 0.2), or lower --lambda-r',
            ),
          );
        if (this.highStreak === this.window)
          out.push(
            this.raise(
              'masks-full',
              e.step,
              `the masks have collapsed toward 1 (batch mean mask > ${MASK_FULL_ABOVE} for ${this.window} steps, now ${m.toFixed(4)}): ` +
                'the area penalty is too weak to make the masks choose: raise --lambda-r or set --target-mask-area (e.g. 0.2)',
            ),
          );
        break;
      }
      case 'epoch': {
        const v = e.val;
        if (!v) break;
        if (v.accClean <= chanceLine)
          out.push(
            this.raise(
              'classifier-at-chance',
              e.step,
              `the classifier is at chance (validation accuracy ${pct(v.accClean)}, chance ${pct(this.chance)} with ${this.numClasses} classes): ` +
                'its masks localise nothing. Give CASM a working classifier: --pretrain-epochs N (or --init-weights), whole images (--crop-scale 1,1) ' +
                'and whole epochs (--epoch-fraction 1) on a small dataset',
            ),
          );
        this.sameEpochs = v.accMasked >= v.accClean - MASKED_EQUALS_CLEAN ? this.sameEpochs + 1 : 0;
        // Early epochs' masks may still be growing: two epochs in a row, or the last one.
        if (v.accClean > chanceLine && this.sameEpochs > 0 && (this.sameEpochs >= 2 || e.epoch + 1 === e.epochs))
          out.push(
            this.raise(
              'masks-remove-nothing',
              e.step,
              `masked-out accuracy equals clean accuracy (${pct(v.accMasked)} vs ${pct(v.accClean)}, mean mask ${v.maskMean.toFixed(3)}): ` +
                'the masks do not cover what the classifier uses, usually because they are too small: lower --lambda-r or raise --target-mask-area',
            ),
          );
        break;
      }
      default:
        break;
    }
    return out.filter((d): d is Diagnosis => d !== null);
  }
}
