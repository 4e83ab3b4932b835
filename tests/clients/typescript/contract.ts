/**
 * What the generated types must say, checked by the compiler: each `Holds<…>` below fails
 * to compile, naming itself, when the OpenAPI document under-describes the server.
 */
import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<Claim extends true> = Claim;
type None<Offenders extends never> = Offenders;
type IsUnknown<T> = unknown extends T ? true : false;
type IsOptional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false;

// ---- No documented response body is `unknown`: the operations whose body is, by name.
type Operation = { responses: object };
type Bodies<R> = { [S in keyof R]-?: R[S] extends { content: infer C } ? C[keyof C] : never }[keyof R];
type UnknownBodiesOf<P, Path extends string> = {
  [M in keyof P]-?: P[M] extends Operation
    ? IsUnknown<Bodies<P[M]["responses"]>> extends true
      ? `${Uppercase<M & string>} ${Path} has a response body typed unknown`
      : never
    : never;
}[keyof P];
type UnknownBodies = { [Path in keyof paths]-?: UnknownBodiesOf<paths[Path], Path> }[keyof paths];
export type NoResponseBodyIsUnknown = None<UnknownBodies>;

// ---- Every error the journey meets is documented, as a Problem.
type ProblemAt<P extends keyof paths, M extends keyof paths[P], S extends number> =
  paths[P][M] extends { responses: { [K in S]: { content: { "application/problem+json": infer B } } } }
    ? B
    : `${S} is not documented`;
export type RegisterAnswers409 = Holds<Equal<ProblemAt<"/api/v1/auth/register", "post", 409>, Problem>>;
export type LoginAnswers401 = Holds<Equal<ProblemAt<"/api/v1/auth/login", "post", 401>, Problem>>;
export type LoginAnswers429 = Holds<Equal<ProblemAt<"/api/v1/auth/login", "post", 429>, Problem>>;
export type PayAnswers503 = Holds<Equal<ProblemAt<"/api/v1/orders/{order_id}/pay", "post", 503>, Problem>>;
export type CancelAnswers409 = Holds<Equal<ProblemAt<"/api/v1/orders/{order_id}/cancel", "post", 409>, Problem>>;

// ---- Field presence as the server sends it.
// Problem: `type` is always sent; `errors` only on validation failures.
export type ProblemTypeIsAlwaysSent = Holds<Equal<Problem["type"], string>>;
export type ProblemErrorsMayBeAbsent = Holds<IsOptional<Problem, "errors">>;
export type TokenTypeIsAlwaysSent = Holds<Equal<Schemas["TokenPairResponse"]["tokenType"], "bearer">>;
export type OAuth2TokenTypeIsAlwaysSent = Holds<Equal<Schemas["OAuth2TokenResponse"]["token_type"], "bearer">>;
// Request fields with server-side defaults are optional to send.
export type RoleIsOptional = Holds<IsOptional<Schemas["RegisterRequest"], "role">>;
export type CurrencyIsOptional = Holds<IsOptional<Schemas["CreateProductRequest"], "currency">>;
export type DescriptionIsOptional = Holds<IsOptional<Schemas["CreateProductRequest"], "description">>;
