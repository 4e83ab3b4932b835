/**
 * A buyer/seller journey through a live server, with openapi-fetch and the types
 * openapi-typescript generated from that server's /openapi.json (generated/api.d.ts).
 *
 *   BASE_URL=http://127.0.0.1:8000 PROVIDER_URL=http://127.0.0.1:8081 node dist/journey.js
 *
 * The server must use the stand-in payment provider at PROVIDER_URL with PAYMENTS__ATTEMPTS=1
 * (so that one injected fault answers 503) and AUTH__LOGIN_ATTEMPTS_PER_MINUTE=3. Requests
 * say they come from CLIENT_ADDRESS (X-Forwarded-For, believed from a local proxy), so that
 * each run has a login throttle of its own. Every step checks the status and the fields it
 * gets; the first mismatch exits 1 naming the step.
 *
 * No casts, no `any`: every body is read through the generated types (contract.ts checks
 * those types against what the server sends).
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];
type Product = Schemas["ProductResponse"];

const BASE_URL = required("BASE_URL");
const PROVIDER_URL = required("PROVIDER_URL");
const CLIENT_ADDRESS = process.env["CLIENT_ADDRESS"] ?? "203.0.113.10";
const RUN = process.env["RUN_ID"] ?? Date.now().toString(36);
const PASSWORD = "correct horse battery";
const LOGIN_ATTEMPTS = 3; // the server's AUTH__LOGIN_ATTEMPTS_PER_MINUTE

class StepFailed extends Error {}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`journey: set ${name}`);
    process.exit(2);
  }
  return value;
}

let step = "start";

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailed(`${step}: ${message}`);
}

function equal<T extends string | number | boolean | null | undefined>(
  actual: T,
  expected: T,
  what: string,
): void {
  check(actual === expected, `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** The success body of a call that must answer `status`. */
async function success<D, E>(
  call: Promise<{ data?: D; error?: E; response: Response }>,
  status: number,
): Promise<{ data: D; response: Response }> {
  const { data, error, response } = await call;
  check(
    response.status === status && data !== undefined,
    `answered ${response.status} ${JSON.stringify(error ?? null)}, expected ${status}`,
  );
  return { data, response };
}

/** The problem a call that must fail with `status` and `code` answers, as the Problem type. */
async function problem<D>(
  call: Promise<{ data?: D; error?: Problem; response: Response }>,
  status: number,
  code: string,
): Promise<{ problem: Problem; response: Response }> {
  const { error, response } = await call;
  check(error !== undefined, `answered ${response.status} with success, expected ${status} ${code}`);
  equal(response.status, status, "the status");
  check(
    (response.headers.get("content-type") ?? "").startsWith("application/problem+json"),
    `content-type is ${response.headers.get("content-type")}`,
  );
  equal(error.status, status, "problem.status");
  equal(error.code, code, "problem.code");
  equal(error.type, "about:blank", "problem.type");
  check(error.title.length > 0 && error.detail.length > 0, "problem.title and .detail are empty");
  // `errors` appears on validation failures only: elsewhere the server leaves it out.
  check(error.errors === undefined, `problem.errors is ${JSON.stringify(error.errors)}`);
  return { problem: error, response };
}

function client(accessToken?: string) {
  const headers: Record<string, string> = { "X-Forwarded-For": CLIENT_ADDRESS };
  if (accessToken) headers["Authorization"] = `Bearer ${accessToken}`;
  return createClient<paths>({ baseUrl: BASE_URL, headers });
}

async function journey(): Promise<void> {
  const anonymous = client();
  const sellerEmail = `ts-seller-${RUN}@example.com`;
  const buyerEmail = `ts-buyer-${RUN}@example.com`;

  step = "register a seller";
  const { data: seller, response: registered } = await success(
    anonymous.POST("/api/v1/auth/register", {
      body: { email: sellerEmail, password: PASSWORD, fullName: "Sam Seller", role: "seller" },
    }),
    201,
  );
  equal(seller.role, "seller", "role");
  equal(seller.email, sellerEmail, "email");
  equal(registered.headers.get("location"), `/api/v1/users/${seller.id}`, "Location");

  step = "register a buyer (the role defaults to buyer)";
  const { data: buyer } = await success(
    anonymous.POST("/api/v1/auth/register", {
      body: { email: buyerEmail, password: PASSWORD, fullName: "Bea Buyer" },
    }),
    201,
  );
  equal(buyer.role, "buyer", "role");

  step = "register the buyer's email again → 409";
  await problem(
    anonymous.POST("/api/v1/auth/register", {
      body: { email: buyerEmail.toUpperCase(), password: PASSWORD, fullName: "Bea Again" },
    }),
    409,
    "emailTaken",
  );

  step = "log in as the seller and the buyer";
  const sellerLogin = await success(
    anonymous.POST("/api/v1/auth/login", { body: { email: sellerEmail, password: PASSWORD } }),
    200,
  );
  const buyerLogin = await success(
    anonymous.POST("/api/v1/auth/login", { body: { email: buyerEmail, password: PASSWORD } }),
    200,
  );
  for (const { data: pair } of [sellerLogin, buyerLogin]) {
    equal(pair.tokenType, "bearer", "tokenType");
    check(pair.accessToken.length > 0 && pair.refreshToken.length > 0, "a token is empty");
    check(pair.expiresIn > 0, `expiresIn is ${pair.expiresIn}`);
  }
  const asSeller = client(sellerLogin.data.accessToken);
  const asBuyer = client(buyerLogin.data.accessToken);

  step = "read the current user";
  const { data: me } = await success(asBuyer.GET("/api/v1/users/me"), 200);
  equal(me.id, buyer.id, "id");

  step = "the seller creates products";
  const category = `journey-${RUN}`;
  const { data: lamp } = await success(
    asSeller.POST("/api/v1/products", {
      body: { title: "Lamp", description: "A desk lamp", price: 2500, currency: "USD", stock: 5, category },
    }),
    201,
  );
  // description and currency have defaults: a client may leave them out.
  const { data: mug } = await success(
    asSeller.POST("/api/v1/products", { body: { title: "Mug", price: 800, stock: 10, category } }),
    201,
  );
  equal(mug.currency, "USD", "the default currency");
  equal(mug.description, "", "the default description");
  equal(mug.sellerId, seller.id, "sellerId");
  equal(lamp.status, "active", "status");

  step = "list the category one product a page, following nextCursor";
  const listed: Product[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 3; page++) {
    const query = cursor === undefined ? { category, limit: 1 } : { category, limit: 1, cursor };
    const { data: products } = await success(anonymous.GET("/api/v1/products", { params: { query } }), 200);
    check(products.items.length <= 1, `a page of ${products.items.length} items with limit=1`);
    listed.push(...products.items);
    if (products.nextCursor === null) break;
    cursor = products.nextCursor;
  }
  // Newest first, each product exactly once.
  check(
    listed.map((product) => product.id).join() === [mug.id, lamp.id].join(),
    `listed ${JSON.stringify(listed.map((product) => product.title))}, expected Mug then Lamp`,
  );

  step = "the buyer places an order with an Idempotency-Key";
  const orderKey = `ts-order-${RUN}`;
  const placeOrder = {
    body: {
      items: [{ productId: lamp.id, quantity: 2 }],
      shippingAddress: { fullName: "Bea Buyer", line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
    },
    params: { header: { "Idempotency-Key": orderKey } },
  };
  const { data: order, response: placed } = await success(asBuyer.POST("/api/v1/orders", placeOrder), 201);
  equal(order.status, "pendingPayment", "status");
  equal(order.total, 5000, "total");
  equal(order.currency, "USD", "currency");
  equal(order.buyerId, buyer.id, "buyerId");
  equal(order.items[0]?.unitPrice, 2500, "items[0].unitPrice");
  equal(placed.headers.get("location"), `/api/v1/orders/${order.id}`, "Location");

  step = "the same order again with the same key gets the first answer";
  const { data: again, response: replayed } = await success(asBuyer.POST("/api/v1/orders", placeOrder), 201);
  equal(again.id, order.id, "id");
  equal(replayed.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed");

  step = "paying while the provider is down → 503";
  const faults = await fetch(`${PROVIDER_URL}/_faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ failNext: 1, mode: "error", when: "before" }),
  });
  check(faults.ok, `the stand-in provider answered ${faults.status} to /_faults`);
  const pay = {
    params: { path: { order_id: order.id }, header: { "Idempotency-Key": `ts-pay-${RUN}` } },
    body: { paymentToken: "tok_visa" },
  };
  await problem(asBuyer.POST("/api/v1/orders/{order_id}/pay", pay), 503, "paymentUnavailable");

  step = "paying again with the same key (a 503 binds nothing)";
  const { data: paid } = await success(asBuyer.POST("/api/v1/orders/{order_id}/pay", pay), 200);
  equal(paid.status, "paid", "status");

  step = "the seller ships";
  const { data: shipment } = await success(
    asSeller.POST("/api/v1/orders/{order_id}/shipments", {
      params: { path: { order_id: order.id } },
      body: { carrier: "UPS", trackingNumber: `1Z${RUN}` },
    }),
    201,
  );
  equal(shipment.status, "inProgress", "status");
  equal(shipment.orderId, order.id, "orderId");
  const { data: shippedOrder } = await success(
    asBuyer.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: order.id } } }),
    200,
  );
  equal(shippedOrder.status, "shipped", "the order's status");

  step = "the seller marks the shipment delivered";
  const { data: delivered } = await success(
    asSeller.PATCH("/api/v1/shipments/{shipment_id}", {
      params: { path: { shipment_id: shipment.id } },
      body: { status: "delivered" },
    }),
    200,
  );
  equal(delivered.status, "delivered", "status");
  const { data: shipments } = await success(
    asBuyer.GET("/api/v1/orders/{order_id}/shipments", { params: { path: { order_id: order.id } } }),
    200,
  );
  equal(shipments.items.length, 1, "shipments");
  const { data: deliveredOrder } = await success(
    asBuyer.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: order.id } } }),
    200,
  );
  equal(deliveredOrder.status, "delivered", "the order's status");

  step = "cancelling the delivered order → 409";
  await problem(
    asBuyer.POST("/api/v1/orders/{order_id}/cancel", { params: { path: { order_id: order.id } } }),
    409,
    "invalidState",
  );

  step = "the seller reads the product's analytics";
  const { data: stats } = await success(
    asSeller.GET("/api/v1/analytics/products/{product_id}/orders", {
      params: { path: { product_id: lamp.id } },
    }),
    200,
  );
  equal(stats.productId, lamp.id, "productId");
  equal(stats.ordersCount, 1, "ordersCount");
  equal(stats.unitsSold, 2, "unitsSold");
  equal(stats.revenue, 5000, "revenue");
  equal(stats.byStatus.delivered, 1, "byStatus.delivered");
  equal(stats.byStatus.pendingPayment, 0, "byStatus.pendingPayment");
  const { data: sales } = await success(asSeller.GET("/api/v1/analytics/sellers/me/sales"), 200);
  const today = sales.items.at(-1);
  check(today !== undefined, "no sales today");
  equal(today.orders, 1, "today's orders");
  equal(today.unitsSold, 2, "today's units");
  equal(today.revenue, 5000, "today's revenue");

  step = "failed logins are throttled → 401 each, then 429";
  const wrong = { body: { email: buyerEmail, password: "not the password" } };
  for (let attempt = 0; attempt < LOGIN_ATTEMPTS; attempt++) {
    await problem(anonymous.POST("/api/v1/auth/login", wrong), 401, "invalidCredentials");
  }
  const { response: throttled } = await problem(anonymous.POST("/api/v1/auth/login", wrong), 429, "rateLimited");
  const retryAfter = Number(throttled.headers.get("retry-after"));
  check(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After is ${throttled.headers.get("retry-after")}`);
}

try {
  await journey();
  console.log("journey: every step passed");
} catch (failure) {
  console.error(failure instanceof StepFailed ? `journey failed at ${failure.message}` : failure);
  process.exit(1);
}
