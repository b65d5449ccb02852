// Options that several commands take with one meaning and one help text, declared once. Factories,
// because commander keeps the Option object each command is given.
import { Option } from 'commander';

/** --device of the commands that run a trained model. */
export const deviceOption = (): Option =>
  new Option('--device <device>', "cpu, cuda or cuda:N (default: the run's device)");

/** --strict of the commands that read many images: stop at the first bad one. */
export const strictImagesOption = (): Option =>
  new Option('--strict', 'fail at the first unreadable image instead of skipping it').default(false);

/** --allow-outside-root: lifts the manifest path confinement of src/data/confine.ts. */
export const allowOutsideRootOption = (): Option =>
  new Option(
    '--allow-outside-root',
    'let manifest paths point outside the dataset folder (absolute paths elsewhere, ../ escapes)',
  ).default(false);
