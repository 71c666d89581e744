// Types of the litcap Node.js addon. Every function returns exactly the JSON object the CLI
// prints with `--format json`, and throws an `Error` with `code` (a litcap diagnostic code
// such as `unknown-session` or `not-covered`, or `usage` for bad options).

/** A policy file: `.litcap` (DSL), `.litcap.yaml`/`.yml` or `.litcap.json`, by its name. */
export interface PolicyFile {
  name: string;
  text: string;
}

/** `LitResourceAbilityRequest`, as the SDK's `getSessionSigs` takes it. */
export interface ResourceAbilityRequest {
  resource: { resource: string; resourcePrefix: string };
  ability: string;
  data?: Record<string, unknown>;
}

export interface CompileOptions {
  files: PolicyFile[];
  session: string;
  /** The wallet address; with `sessionKey`, `nonce` and `issuedAt` the result has `siweMessage`. */
  address?: string;
  /** The session public key, 64 hex digits. */
  sessionKey?: string;
  /** ERC-5573 policies (`network "erc5573"`): the relying party, instead of `sessionKey`; the
   *  result is then siwe-recap's (`network`, `requests`, `statement`, `recapUrn`, `siweMessage`). */
  uri?: string;
  nonce?: string;
  /** RFC 3339. */
  issuedAt?: string;
  /** RFC 3339 (default: `issuedAt` plus the session's `ttl`). */
  expiration?: string;
}

export interface Compiled {
  resourceAbilityRequests: ResourceAbilityRequest[];
  recap: { att: Record<string, Record<string, Record<string, unknown>[]>>; prf: string[] };
  recapUrn: string | null;
  statement: string;
  siweMessage?: string;
  /** For a grant with `signer pkp`: what `getPkpSessionSigs` / `getLitActionSessionSigs` take. */
  pkpSession?: PkpSession;
}

export interface PkpSession {
  function: 'getPkpSessionSigs' | 'getLitActionSessionSigs';
  /** EIP-55; `computeAddress(pkpPublicKey)` must equal it. */
  pkpEthAddress: string;
  /** The grant's `auth-action` CIDs. */
  litActionIpfsIds: string[];
  /** The SDK's parameter names; `litActionIpfsId` only when the grant lists exactly one action. */
  params: {
    resourceAbilityRequests: ResourceAbilityRequest[];
    domain?: string;
    litActionIpfsId?: string;
  };
}

export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning' | 'note';
  message: string;
  file?: string | null;
  line?: number | null;
  column?: number | null;
  help?: string | null;
  [key: string]: unknown;
}

export interface CheckOptions {
  files: PolicyFile[];
  /** Check only this session (and its grant). */
  session?: string;
  /** A signed AuthSig (object or JSON text) to verify and check the sessions against. */
  authSig?: object | string;
  /** The time of the check (RFC 3339; default now). */
  at?: string;
  /** The session public key the AuthSig must be for. */
  sessionKey?: string;
  /** ERC-5573 policies (`network "erc5573"`): the relying party the AuthSig's SIWE `URI` must name. */
  uri?: string;
  /** The network's BLS public key (96 hex digits, `0x` optional), for a `lit.bls` AuthSig. */
  networkKey?: string;
}

export interface CheckReport {
  ok: boolean;
  diagnostics: Diagnostic[];
  coverage: {
    session: string;
    resource: string;
    ability: string;
    covered: boolean;
    coveredBy: Record<string, unknown> | null;
  }[];
  [key: string]: unknown;
}

export interface VerifyOptions {
  /** The object `getSessionSigs` returns (node URL → signature), or its JSON text. */
  sessionSigs: object | string;
  /** The nodes' clock (RFC 3339; default now). */
  at?: string;
  /** Check every entry as this node (default: the node each entry is keyed by). */
  node?: string;
  /** Also check the requests, lifetime and AuthSigs against a session of this policy. */
  policy?: PolicyFile[];
  /** The session of `policy` (may be left out when it has one). */
  session?: string;
  /**
   * Judge these operations as the nodes do, `"<ability> on <resource>"` (one or a list), e.g.
   * `"pkp-signing on lit-pkp://<token id or public key>"`: the CLI's repeatable `--request`.
   * Without it, each listed request is judged as one.
   */
  request?: string | string[];
  /**
   * The Lit network's BLS public key (48 bytes compressed G1: 96 hex digits, `0x` optional),
   * to verify network-signed (`lit.bls`) AuthSigs of PKP and Lit Action sessions: the CLI's
   * `--network-key`. Without it such AuthSigs are refused with `BlsNoNetworkKey`.
   */
  networkKey?: string;
  /** For a lone AuthSig: the session public key (64 hex digits) its URI must name (`--session-key`). */
  sessionKey?: string;
}

export interface NodeVerdict {
  node: string;
  valid: boolean;
  error: { kind: string; message: string; [key: string]: unknown } | null;
  [key: string]: unknown;
}

export interface VerifyReport {
  ok: boolean;
  /** One verdict per entry (absent when `sessionSigs` is a lone AuthSig). */
  nodes?: NodeVerdict[];
  /** A lone AuthSig's verdict, judged as a node judges a session capability. */
  authSig?: {
    kind: string;
    valid: boolean;
    signer: string | null;
    error: { kind: string; message: string; help: string } | null;
    authContext: Record<string, unknown> | null;
  };
  error?: { kind: string; message: string; line?: number; column?: number; help?: string };
  policy?: {
    session: string;
    grant: string;
    ok: boolean;
    findings: { code: string; severity: string; message: string; help: string | null }[];
  };
}

/** An error from litcap: `code` is the diagnostic code, `diagnostics` all findings. */
export interface LitcapError extends Error {
  code: string;
  diagnostics: Diagnostic[];
}

export function compile(options: CompileOptions): Compiled;
export function check(options: CheckOptions): CheckReport;
export function verify(options: VerifyOptions): VerifyReport;
