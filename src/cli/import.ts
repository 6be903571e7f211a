// `pathsum import DIR [-o FILE]`: the spec a Hugging Face folder stands for, to read and edit.
import { UserError } from '../errors.js';
import { visible } from '../language/visible.js';
import { isHuggingfaceFolder, readHuggingfaceFolder } from '../numeric/huggingface-folder.js';
import { parseFlags } from './args.js';
import type { Io } from './io.js';
import { refuseOutput, writeAtomically } from './write-file.js';

const HELP = `usage: pathsum import DIR [-o FILE.pathsum]

Prints the spec that a Hugging Face folder stands for: a bilinear transformer of Pearce et al. 2025
(config.json, and model.safetensors or model.safetensors.index.json with its shards), as every
command reads DIR. The spec names the checkpoint's tensors and their layouts: given DIR as its
weights, it loads the same weights. config.json fields other than the architecture's are
ignored (docs/walkthrough.md, "A Hugging Face folder").

  -o, --output FILE    write the spec to FILE (ending in .pathsum) instead of standard output; FILE is
                       replaced whole, and only if it is a regular file
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<{ output?: string; help?: boolean }>('import', args, {
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(
      `import takes one Hugging Face folder, found ${positionals.length}; see 'pathsum import --help'`,
    );
  const folder = positionals[0]!;
  if (values.output !== undefined) refuseOutput('import', values.output, '.pathsum');
  if (!isHuggingfaceFolder(folder))
    throw new UserError(`${folder}: not a Hugging Face folder (a directory holding config.json and no .pathsum spec)`);
  const { spec } = readHuggingfaceFolder(folder);
  if (values.output === undefined) {
    io.stdout(spec);
    return 0;
  }
  writeAtomically(values.output, spec);
  io.stderr(`wrote ${visible(values.output)}\n`);
  return 0;
}
