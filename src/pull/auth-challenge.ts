/**
Parses `WWW-Authenticate` (RFC 7235) as registries send it:
`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`
or `Basic realm="basic-realm"`, possibly several challenges in one header, and with
`error="insufficient_scope"` when a token lacked the scope the request needed.
*/
export interface AuthChallenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const lines = Array.isArray(header) ? header : [header];
  return lines.flatMap(parseLine);
}

function parseLine(line: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < line.length && pattern.test(line[i]!)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < line.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(line[i]!)) i++;
    return line.slice(start, i);
  };
  while (i < line.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (scheme === '') break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      skip(/[\s,]/);
      const save = i;
      const name = token();
      skip(/\s/);
      if (name === '' || line[i] !== '=') {
        // Not a parameter: the next challenge's scheme (or the end).
        i = save;
        break;
      }
      i++;
      skip(/\s/);
      challenge.params[name.toLowerCase()] = line[i] === '"' ? quoted() : token();
    }
    if (i === line.length) break;
  }
  return challenges;

  function quoted(): string {
    let value = '';
    i++;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && i + 1 < line.length) i++;
      value += line[i];
      i++;
    }
    i++;
    return value;
  }
}

/** The challenge glassbox can answer, Bearer preferred over Basic. */
export function pickChallenge(challenges: AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
}
