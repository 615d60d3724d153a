// Writes mappings.json: the shared inputs and the named mappings both engines run.
// Deterministic (fixed LCG seed), so the file only changes when this script does.
// Run: node gen-mappings.mjs   (the committed mappings.json is its output)
import { writeFileSync } from 'node:fs';

let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = (a) => a[Math.floor(rnd() * a.length)];

const categories = ['tools', 'garden', 'kitchen', 'toys', 'books', 'office'];
const nouns = ['Hammer', 'Rake', 'Whisk', 'Kite', 'Atlas', 'Stapler', 'Trowel', 'Ladle', 'Puzzle', 'Notebook'];
const adjectives = ['Red', 'Large', 'Compact', 'Deluxe', 'Vintage', 'Steel', 'Wooden', 'Blue'];
const items = [];
for (let i = 0; i < 100; i++) {
  items.push({
    line: i + 1,
    sku: 'SKU-' + String(1000 + i * 7),
    name: pick(adjectives) + ' ' + pick(nouns),
    category: pick(categories),
    price: Math.round(rnd() * 20000) / 100,      // 0.00 .. 200.00, two decimals
    qty: 1 + Math.floor(rnd() * 12),
    discounted: rnd() < 0.3,
    shippedMs: 1767225600000 + Math.floor(rnd() * 90) * 86400000 + Math.floor(rnd() * 86400) * 1000,
  });
}

const inputs = {
  pet: { petname: 'Gromit', petstatus: 'sold' },
  order: {
    order: {
      id: 'ORD-2026-00042',
      createdMs: 1767225600000,
      customer: { id: 7, firstName: 'Wallace', lastName: 'Smith', email: 'Wallace.Smith@Example.COM', country: 'GB' },
      items,
    },
  },
  customer: {
    customer: {
      id: 'c-981', firstName: 'Ada', lastName: 'Lovelace', email: '  Ada.Lovelace@Example.org ',
      phone: '+44 20 7946 0958', vip: true, coupon: 'WELCOME10',
      address: { street: '12 Analytical Row', city: 'London', postcode: 'nw1 6xe', country: 'GB' },
      tags: ['math', 'poetry', 'engines'],
    },
  },
  invoice: {
    price: 19.99, quantity: 7, taxRate: 0.2, discount: 3.5, currency: 'EUR', weightGrams: 12345,
  },
  event: {
    id: 'evt_3', type: 'invoice.paid', createdMs: 1767312345678, updated: '2026-03-01T08:30:00.000Z',
    amount: 125000, status: 'S', country: 'US', express: true, vip: false,
  },
};

const mappings = [
  { name: 'tutorial', input: 'pet', description: 'The tutorial mapping: two renames into an object',
    expression: '{"name": petname, "status": petstatus}' },
  { name: 'rename-nested', input: 'customer', description: 'Renames and flattening of a nested record',
    expression: '{"id": customer.id, "givenName": customer.firstName, "familyName": customer.lastName, "city": customer.address.city, "country": customer.address.country, "phone": customer.phone, "tags": customer.tags}' },
  { name: 'string-functions', input: 'customer', description: 'trim, case, concatenation, substring, split/join, pad, contains, replace',
    expression: '{"fullName": customer.firstName & " " & $uppercase(customer.lastName), "email": $lowercase($trim(customer.email)), "initials": $substring(customer.firstName, 0, 1) & $substring(customer.lastName, 0, 1), "postcode": $uppercase(customer.address.postcode), "digits": $join($split(customer.phone, " "), ""), "ref": $pad(customer.id, -10, "0"), "isMath": $contains($join(customer.tags, ","), "math"), "street": $replace(customer.address.street, "Row", "Road"), "length": $length(customer.address.street)}' },
  { name: 'arithmetic', input: 'invoice', description: 'Arithmetic, rounding and number functions',
    expression: '{"subtotal": price * quantity, "tax": $round(price * quantity * taxRate, 2), "total": $round(price * quantity * (1 + taxRate) - discount, 2), "perUnit": $floor(price / 3 * 100) / 100, "kg": weightGrams / 1000, "rest": quantity % 4, "abs": $abs(discount - 10), "square": $power(quantity, 2), "ceil": $ceil(price), "label": $formatNumber(price * quantity, "#,##0.00") & " " & currency}' },
  { name: 'conditionals', input: 'event', description: 'Nested conditionals, a lookup table, optional array entries',
    expression: '{"tier": amount > 100000 ? "gold" : amount > 10000 ? "silver" : "bronze", "shipping": country = "US" ? (express ? 25 : 5) : 40, "flags": [vip ? "vip", express ? "express", $exists(coupon) ? "coupon" : "no-coupon"], "status": $lookup({"A": "active", "S": "suspended", "C": "closed"}, status), "paid": type = "invoice.paid" and amount > 0, "kind": $substringBefore(type, ".")}' },
  { name: 'map-100', input: 'order', description: '$map with a lambda over 100 line items',
    expression: '$map(order.items, function($i) { {"sku": $i.sku, "name": $i.name, "total": $i.price * $i.qty} })' },
  { name: 'filter-100', input: 'order', description: 'Predicate filter over 100 line items, then projection',
    expression: 'order.items[price > 100 and category in ["tools", "garden"]].{"line": line, "sku": sku, "total": $round(price * qty, 2)}' },
  { name: 'aggregate-100', input: 'order', description: 'Count, sum, max, min, average over 100 line items',
    expression: '{"lines": $count(order.items), "units": $sum(order.items.qty), "revenue": $round($sum(order.items.(price * qty)), 2), "max": $max(order.items.price), "min": $min(order.items.price), "avg": $round($average(order.items.price), 2), "discounted": $count(order.items[discounted])}' },
  { name: 'group-100', input: 'order', description: 'Grouping 100 line items by category with aggregates per group',
    expression: 'order.items{category: {"lines": $count(sku), "units": $sum(qty), "revenue": $round($sum($.(price * qty)), 2)}}' },
  { name: 'dates', input: 'event', description: '$fromMillis with pictures and $toMillis parsing',
    expression: '{"created": $fromMillis(createdMs), "day": $fromMillis(createdMs, "[Y0001]-[M01]-[D01]"), "human": $fromMillis(createdMs, "[D1o] [MNn] [Y0001], [H01]:[m01]"), "updatedMs": $toMillis(updated), "days": $floor(($toMillis(updated) - createdMs) / 86400000), "parsed": $toMillis("2026-01-15", "[Y0001]-[M01]-[D01]")}' },
  { name: 'dates-100', input: 'order', description: '$fromMillis formatting on each of 100 line items',
    expression: 'order.items.{"sku": sku, "shipped": $fromMillis(shippedMs, "[Y0001]-[M01]-[D01] [H01]:[m01]")}' },
  { name: 'transform-100', input: 'order', description: 'Transform operator: copy the order, update and delete fields on 100 items',
    expression: 'order ~> |items|{"price": $round(price * 1.1, 2)}, ["shippedMs", "discounted"]|' },
  { name: 'sort-100', input: 'order', description: 'Order-by with two keys over 100 line items',
    expression: 'order.items^(category, >price, sku).{"sku": sku, "category": category, "price": price}' },
  { name: 'reduce-join-100', input: 'order', description: '$reduce and $join over 100 line items',
    expression: '{"skus": $join(order.items[qty > 6].sku, ","), "weighted": $reduce(order.items, function($acc, $i) { $acc + $i.qty * $i.line }, 0), "names": $distinct(order.items.name)}' },
];

writeFileSync(new URL('./mappings.json', import.meta.url), JSON.stringify({ inputs, mappings }, null, 1) + '\n');
console.log(`wrote ${mappings.length} mappings`);
