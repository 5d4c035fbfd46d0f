/* The synthetic teacher's problem templates.  Each draws its names and
 * numbers, states the question, and writes the program a careful teacher
 * would: one named quantity per line, the last line `result`.  Numbers are
 * drawn so that divisions come out exact (or a simple decimal); synth.c
 * redraws the rare awkward answer. */
#include "data/synth_internal.h"

#include <stddef.h>

static const char *const people[] = {
    "Ava", "Liam", "Mia", "Noah", "Emma", "Ethan", "Sofia", "Lucas", "Chloe", "Mateo", "Priya", "Omar",
    "Hannah", "Diego", "Yuki", "Carlos", "Fatima", "Jonas", "Leila", "Marcus", "Nadia", "Oscar", "Rosa",
    "Tariq", "Wendy", "Zane", "Ingrid", "Kofi", "Lena", "Ravi", "Sam", "Tessa", "Victor", "Amara",
};
static const char *const goods[] = {"notebooks", "pens", "apples", "candles", "mugs", "T-shirts",
                                    "plants", "comic books", "toy cars", "scarves", "puzzles"};
static const char *const treats[] = {"cookies", "cupcakes", "muffins", "brownies", "donuts", "pretzels"};
static const char *const birds[] = {"ducks", "hens", "chickens", "geese"};
static const char *const collectibles[] = {"marbles", "stickers", "baseball cards", "seashells",
                                           "stamps", "coins", "beads"};
static const char *const vehicles[] = {"car", "van", "truck", "motorbike"};
static const char *const crops[] = {"tomato", "pepper", "bean", "lettuce", "carrot", "sunflower"};
static const char *const pets[] = {"dogs", "goats", "pigs", "sheep"};
static const char *const stores[] = {"bakery", "toy store", "bookshop", "market stall", "gift shop"};

#define NAME(b) SB_PICK(b, people)

/* A name unlike the ones already in the problem. */
static const char *other_name(synth_builder *b, const char *x, const char *y)
{
    const char *n = NAME(b);
    while (n == x || n == y) n = NAME(b);
    return n;
}

static void shopping_change(synth_builder *b)
{
    const char *who = NAME(b), *what = SB_PICK(b, goods);
    long q = sb_range(b, 2, 6), p = sb_range(b, 2, 8), bill = q * p < 20 ? 20 : q * p < 50 ? 50 : 100;
    sb_say(b, "%s buys %ld %s that cost $%ld each and pays with a $%ld bill. "
              "How much change does %s get back?", who, q, what, p, bill, who);
    int n = sb_int(b, "num_items", q), price = sb_int(b, "price_per_item", p);
    int paid = sb_int(b, "bill", bill);
    int cost = sb_op(b, "total_cost", n, '*', price);
    sb_op(b, "result", paid, '-', cost);
}

static void eggs_market(synth_builder *b)
{
    const char *who = NAME(b), *bird = SB_PICK(b, birds);
    long laid = sb_range(b, 16, 40), eat = sb_range(b, 2, 5), bake = sb_range(b, 2, 6);
    double price = (double)sb_range(b, 4, 12) / 4;
    sb_say(b, "%s's %s lay %ld eggs per day. %s eats %ld for breakfast every morning and bakes "
              "muffins with %ld. %s sells the rest at the farmers' market for $%.2f per egg. "
              "How many dollars does %s make every day at the market?",
           who, bird, laid, who, eat, bake, who, price, who);
    int l = sb_int(b, "eggs_per_day", laid), e = sb_int(b, "eaten", eat), k = sb_int(b, "baked", bake);
    int pr = sb_dec(b, "price_per_egg", price);
    int used = sb_op(b, "eggs_used", e, '+', k);
    int left = sb_op(b, "eggs_to_sell", l, '-', used);
    sb_op(b, "result", left, '*', pr);
}

static void savings_weeks(synth_builder *b)
{
    const char *who = NAME(b), *what = SB_PICK(b, goods);
    long s = sb_range(b, 5, 25), w = sb_range(b, 4, 20), gift = sb_step(b, 10, 50, 5);
    long spend = sb_range(b, 10, s * w);
    sb_say(b, "%s saves $%ld every week for %ld weeks. For a birthday, %s also gets $%ld. Then %s "
              "spends $%ld on %s. How much money does %s have left?",
           who, s, w, who, gift, who, spend, what, who);
    int per = sb_int(b, "savings_per_week", s), weeks = sb_int(b, "weeks", w);
    int g = sb_int(b, "birthday_money", gift), sp = sb_int(b, "spent", spend);
    int saved = sb_op(b, "total_saved", per, '*', weeks);
    int total = sb_op(b, "total_money", saved, '+', g);
    sb_op(b, "result", total, '-', sp);
}

static const long percents[] = {10, 20, 25, 50};

static void discount_total(synth_builder *b)
{
    const char *who = NAME(b), *shop = SB_PICK(b, stores);
    long p = sb_step(b, 20, 200, 20), d = percents[sb_range(b, 0, 3)], q = sb_range(b, 2, 5);
    sb_say(b, "A lamp at the %s costs $%ld. During a sale everything is %ld%% off. %s buys %ld "
              "lamps. How much does %s pay?", shop, p, d, who, q, who);
    int price = sb_int(b, "price", p), pct = sb_int(b, "discount_percent", d);
    int qty = sb_int(b, "quantity", q), hundred = sb_int(b, "percent_base", 100);
    int rate = sb_op(b, "discount_rate", pct, '/', hundred);
    int off = sb_op(b, "discount", price, '*', rate);
    int sale = sb_op(b, "sale_price", price, '-', off);
    sb_op(b, "result", sale, '*', qty);
}

static void road_trip(synth_builder *b)
{
    const char *who = NAME(b), *car = SB_PICK(b, vehicles);
    long v1 = sb_step(b, 40, 70, 5), h1 = sb_range(b, 2, 5), v2 = sb_step(b, 30, 60, 5), h2 = sb_range(b, 1, 4);
    sb_say(b, "%s drives a %s at %ld miles per hour for %ld hours, then at %ld miles per hour for "
              "%ld more hours. How many miles does %s drive in total?", who, car, v1, h1, v2, h2, who);
    int s1 = sb_int(b, "first_speed", v1), t1 = sb_int(b, "first_hours", h1);
    int s2 = sb_int(b, "second_speed", v2), t2 = sb_int(b, "second_hours", h2);
    int d1 = sb_op(b, "first_distance", s1, '*', t1);
    int d2 = sb_op(b, "second_distance", s2, '*', t2);
    sb_op(b, "result", d1, '+', d2);
}

static void reading_hours(synth_builder *b)
{
    const char *who = NAME(b);
    long rate = sb_step(b, 10, 40, 5), hours = sb_range(b, 2, 9), done = sb_range(b, 20, 120);
    sb_say(b, "A book has %ld pages. %s has already read %ld pages and reads %ld pages per hour. "
              "How many more hours does %s need to finish the book?", done + rate * hours, who, done, rate, who);
    int total = sb_int(b, "total_pages", done + rate * hours), read = sb_int(b, "pages_read", done);
    int per = sb_int(b, "pages_per_hour", rate);
    int left = sb_op(b, "pages_left", total, '-', read);
    sb_op(b, "result", left, '/', per);
}

static void cookie_share(synth_builder *b)
{
    const char *who = NAME(b), *treat = SB_PICK(b, treats);
    long friends = sb_range(b, 2, 6), each = sb_range(b, 3, 12), eaten = sb_range(b, 1, 6);
    long mom = sb_range(b, 2, friends * each - 1);
    long baked = friends * each + eaten - mom;
    b->integer_answer = 1;
    sb_say(b, "%s bakes %ld %s and a neighbor brings %ld more. %s eats %ld of them and shares the rest "
              "equally among %ld friends. How many %s does each friend get?",
           who, baked, treat, mom, who, eaten, friends, treat);
    int bk = sb_int(b, "baked", baked), m = sb_int(b, "from_mom", mom), e = sb_int(b, "eaten", eaten);
    int f = sb_int(b, "friends", friends);
    int total = sb_op(b, "total_treats", bk, '+', m);
    int left = sb_op(b, "treats_left", total, '-', e);
    sb_op(b, "result", left, '/', f);
}

static void compare_collection(synth_builder *b)
{
    const char *x = NAME(b), *y = other_name(b, x, NULL), *z = other_name(b, x, y), *thing = SB_PICK(b, collectibles);
    long a = sb_range(b, 5, 30), k = sb_range(b, 2, 4), fewer = sb_range(b, 2, 10);
    sb_say(b, "%s has %ld %s. %s has %ld times as many %s as %s, and %s has %ld fewer than %s. "
              "How many %s do the three have altogether?", x, a, thing, y, k, thing, x, z, fewer, y, thing);
    int first = sb_int(b, "first_count", a), times = sb_int(b, "multiplier", k);
    int less = sb_int(b, "fewer", fewer);
    int second = sb_op(b, "second_count", first, '*', times);
    int third = sb_op(b, "third_count", second, '-', less);
    int two = sb_op(b, "first_two", first, '+', second);
    sb_op(b, "result", two, '+', third);
}

static void wages_bonus(synth_builder *b)
{
    const char *who = NAME(b);
    long w = sb_range(b, 10, 25), h = sb_range(b, 4, 9), d = sb_range(b, 3, 6), bonus = sb_step(b, 20, 100, 10);
    sb_say(b, "%s earns $%ld an hour and works %ld hours a day for %ld days this week. %s also gets a "
              "$%ld bonus. How much does %s earn this week?", who, w, h, d, who, bonus, who);
    int wage = sb_int(b, "hourly_wage", w), hours = sb_int(b, "hours_per_day", h);
    int days = sb_int(b, "days", d), extra = sb_int(b, "bonus", bonus);
    int daily = sb_op(b, "daily_pay", wage, '*', hours);
    int weekly = sb_op(b, "weekly_pay", daily, '*', days);
    sb_op(b, "result", weekly, '+', extra);
}

static void garden_survival(synth_builder *b)
{
    const char *who = NAME(b), *crop = SB_PICK(b, crops);
    long rows = sb_range(b, 3, 10), per = sb_step(b, 4, 20, 4), pct = percents[sb_range(b, 0, 3)];
    b->integer_answer = 1;
    sb_say(b, "%s plants %ld rows of %s seeds with %ld seeds in each row. %ld%% of the seeds do not "
              "sprout. How many seeds sprout?", who, rows, crop, per, pct);
    int r = sb_int(b, "rows", rows), p = sb_int(b, "seeds_per_row", per);
    int pc = sb_int(b, "failed_percent", pct), hundred = sb_int(b, "percent_base", 100);
    int total = sb_op(b, "total_seeds", r, '*', p);
    int rate = sb_op(b, "failed_rate", pc, '/', hundred);
    int failed = sb_op(b, "failed_seeds", total, '*', rate);
    sb_op(b, "result", total, '-', failed);
}

static void ages_sum(synth_builder *b)
{
    const char *x = NAME(b), *y = other_name(b, x, NULL), *z = other_name(b, x, y);
    long a = sb_range(b, 4, 15), k = sb_range(b, 2, 3), younger = sb_range(b, 1, 6), later = sb_range(b, 2, 10);
    sb_say(b, "%s is %ld years old. %s is %ld times as old as %s, and %s is %ld years younger than %s. "
              "What will the sum of their three ages be in %ld years?", x, a, y, k, x, z, younger, y, later);
    int age1 = sb_int(b, "first_age", a), times = sb_int(b, "multiplier", k);
    int yng = sb_int(b, "years_younger", younger), yrs = sb_int(b, "years_later", later);
    int people_count = sb_int(b, "people", 3);
    int age2 = sb_op(b, "second_age", age1, '*', times);
    int age3 = sb_op(b, "third_age", age2, '-', yng);
    int two = sb_op(b, "first_two_ages", age1, '+', age2);
    int now = sb_op(b, "total_now", two, '+', age3);
    int growth = sb_op(b, "total_growth", yrs, '*', people_count);
    sb_op(b, "result", now, '+', growth);
}

static void recipe_scale(synth_builder *b)
{
    const char *who = NAME(b), *treat = SB_PICK(b, treats);
    long cups = sb_range(b, 2, 6), serves = sb_step(b, 4, 12, 2), k = sb_range(b, 2, 6);
    sb_say(b, "A recipe for %s uses %ld cups of flour and makes %ld servings. %s wants to make %ld "
              "servings. How many cups of flour does %s need?", treat, cups, serves, who, serves * k, who);
    int c = sb_int(b, "cups_per_recipe", cups), s = sb_int(b, "servings_per_recipe", serves);
    int want = sb_int(b, "servings_needed", serves * k);
    int batches = sb_op(b, "batches", want, '/', s);
    sb_op(b, "result", batches, '*', c);
}

static void pet_food(synth_builder *b)
{
    const char *who = NAME(b), *pet = SB_PICK(b, pets);
    long n = sb_range(b, 2, 6), f = sb_range(b, 1, 4), w = sb_range(b, 2, 5);
    sb_say(b, "%s has %ld %s. Each one eats %ld pounds of food a day. How many pounds of food do "
              "they eat in %ld weeks?", who, n, pet, f, w);
    int animals = sb_int(b, "animals", n), food = sb_int(b, "food_per_animal", f);
    int weeks = sb_int(b, "weeks", w), week_days = sb_int(b, "days_per_week", 7);
    int daily = sb_op(b, "food_per_day", animals, '*', food);
    int days = sb_op(b, "total_days", weeks, '*', week_days);
    sb_op(b, "result", daily, '*', days);
}

static void tickets(synth_builder *b)
{
    const char *who = NAME(b);
    long adult = sb_range(b, 8, 15), child = sb_range(b, 4, 7), na = sb_range(b, 1, 3), nc = sb_range(b, 2, 5);
    long coupon = sb_range(b, 3, 10);
    sb_say(b, "Museum tickets cost $%ld for adults and $%ld for children. %s buys tickets for %ld "
              "adults and %ld children and uses a $%ld coupon. How much does %s pay?",
           adult, child, who, na, nc, coupon, who);
    int pa = sb_int(b, "adult_price", adult), pc = sb_int(b, "child_price", child);
    int ca = sb_int(b, "adults", na), cc = sb_int(b, "children", nc), cp = sb_int(b, "coupon", coupon);
    int adults_cost = sb_op(b, "adult_cost", ca, '*', pa);
    int children_cost = sb_op(b, "child_cost", cc, '*', pc);
    int subtotal = sb_op(b, "subtotal", adults_cost, '+', children_cost);
    sb_op(b, "result", subtotal, '-', cp);
}

static void bake_sale_profit(synth_builder *b)
{
    const char *who = NAME(b), *treat = SB_PICK(b, treats);
    long n = sb_range(b, 20, 80), fee = sb_step(b, 5, 30, 5);
    double price = (double)sb_range(b, 8, 20) / 4, cost = (double)sb_range(b, 1, 6) / 4;
    sb_say(b, "%s sells %ld %s at a bake sale for $%.2f each. Each one costs $%.2f to make, and the "
              "stall costs $%ld. How much profit does %s make?", who, n, treat, price, cost, fee, who);
    int sold = sb_int(b, "items_sold", n), pr = sb_dec(b, "price_each", price);
    int co = sb_dec(b, "cost_each", cost), f = sb_int(b, "stall_fee", fee);
    int revenue = sb_op(b, "revenue", sold, '*', pr);
    int costs = sb_op(b, "ingredient_costs", sold, '*', co);
    int gross = sb_op(b, "gross_profit", revenue, '-', costs);
    sb_op(b, "result", gross, '-', f);
}

static void price_increase(synth_builder *b)
{
    const char *who = NAME(b), *what = SB_PICK(b, goods);
    long p = sb_step(b, 20, 200, 20), pct = percents[sb_range(b, 0, 3)], q = sb_range(b, 2, 6);
    sb_say(b, "A box of %s used to cost $%ld. The price went up by %ld%%. %s buys %ld boxes at the new "
              "price. How much does %s spend?", what, p, pct, who, q, who);
    int price = sb_int(b, "old_price", p), pc = sb_int(b, "increase_percent", pct);
    int qty = sb_int(b, "boxes", q), hundred = sb_int(b, "percent_base", 100);
    int rate = sb_op(b, "increase_rate", pc, '/', hundred);
    int inc = sb_op(b, "increase", price, '*', rate);
    int now = sb_op(b, "new_price", price, '+', inc);
    sb_op(b, "result", now, '*', qty);
}

static void marbles_giveaway(synth_builder *b)
{
    const char *who = NAME(b), *thing = SB_PICK(b, collectibles);
    long start = sb_range(b, 40, 100), g = sb_range(b, 2, 6), k = sb_range(b, 2, 6), found = sb_range(b, 1, 15);
    sb_say(b, "%s has %ld %s. %s gives %ld to each of %ld friends and later finds %ld more. How many %s "
              "does %s have now?", who, start, thing, who, g, k, found, thing, who);
    int s = sb_int(b, "start", start), each = sb_int(b, "given_each", g), f = sb_int(b, "friends", k);
    int fo = sb_int(b, "found", found);
    int given = sb_op(b, "given_away", each, '*', f);
    int left = sb_op(b, "left", s, '-', given);
    sb_op(b, "result", left, '+', fo);
}

static void water_tank(synth_builder *b)
{
    long fill = sb_range(b, 5, 20), leak = sb_range(b, 1, 4), t = sb_range(b, 5, 30), start = sb_step(b, 0, 50, 5);
    sb_say(b, "A tank holds %ld liters of water. A hose adds %ld liters per minute while a crack leaks "
              "%ld liters per minute. How many liters are in the tank after %ld minutes?", start, fill, leak, t);
    int s = sb_int(b, "start_liters", start), fi = sb_int(b, "fill_rate", fill);
    int le = sb_int(b, "leak_rate", leak), mins = sb_int(b, "minutes", t);
    int net = sb_op(b, "net_rate", fi, '-', le);
    int added = sb_op(b, "added", net, '*', mins);
    sb_op(b, "result", s, '+', added);
}

static void class_gender(synth_builder *b)
{
    static const long girl_percents[] = {10, 20, 25, 30, 40};
    long students = sb_step(b, 20, 80, 2), pct = girl_percents[sb_range(b, 0, 4)];
    b->integer_answer = 1;
    sb_say(b, "A class has %ld students and %ld%% of them are girls. How many more boys than girls "
              "are in the class?", students, pct);
    int s = sb_int(b, "students", students), pc = sb_int(b, "girls_percent", pct);
    int hundred = sb_int(b, "percent_base", 100);
    int rate = sb_op(b, "girls_rate", pc, '/', hundred);
    int girls = sb_op(b, "girls", s, '*', rate);
    int boys = sb_op(b, "boys", s, '-', girls);
    sb_op(b, "result", boys, '-', girls);
}

static void bookshelf(synth_builder *b)
{
    const char *who = NAME(b);
    long shelves = sb_range(b, 3, 8), per = sb_range(b, 10, 30), gone = sb_range(b, 1, 5), bought = sb_range(b, 5, 20);
    sb_say(b, "%s has %ld shelves with %ld books on each. %s donates %ld books from every shelf and "
              "then buys %ld new books. How many books does %s have now?", who, shelves, per, who, gone, bought, who);
    int sh = sb_int(b, "shelves", shelves), p = sb_int(b, "books_per_shelf", per);
    int g = sb_int(b, "donated_per_shelf", gone), nb = sb_int(b, "new_books", bought);
    int left = sb_op(b, "left_per_shelf", p, '-', g);
    int on = sb_op(b, "books_on_shelves", sh, '*', left);
    sb_op(b, "result", on, '+', nb);
}

static void fuel_cost(synth_builder *b)
{
    const char *who = NAME(b), *car = SB_PICK(b, vehicles);
    long mpg = sb_step(b, 20, 40, 5), k = sb_range(b, 2, 8);
    double price = (double)sb_range(b, 12, 18) / 4;
    sb_say(b, "%s drives %ld miles to the coast and back the same way. The %s goes %ld miles on a "
              "gallon of gas, which costs $%.2f. How much does the gas for the round trip cost?",
           who, mpg * k, car, mpg, price);
    int one_way = sb_int(b, "one_way_miles", mpg * k), two = sb_int(b, "trips", 2);
    int m = sb_int(b, "miles_per_gallon", mpg), pr = sb_dec(b, "price_per_gallon", price);
    int dist = sb_op(b, "total_miles", one_way, '*', two);
    int gallons = sb_op(b, "gallons", dist, '/', m);
    sb_op(b, "result", gallons, '*', pr);
}

static void phone_plan(synth_builder *b)
{
    const char *who = NAME(b);
    long fee = sb_step(b, 20, 50, 5), per_gb = sb_range(b, 5, 10), gb = sb_range(b, 2, 6), months = sb_range(b, 3, 12);
    sb_say(b, "%s's phone plan costs $%ld a month plus $%ld for each gigabyte of data. %s uses %ld "
              "gigabytes every month. How much does %s pay over %ld months?", who, fee, per_gb, who, gb, who, months);
    int f = sb_int(b, "monthly_fee", fee), c = sb_int(b, "cost_per_gb", per_gb);
    int u = sb_int(b, "gb_per_month", gb), m = sb_int(b, "months", months);
    int data = sb_op(b, "data_cost", c, '*', u);
    int monthly = sb_op(b, "monthly_total", f, '+', data);
    sb_op(b, "result", monthly, '*', m);
}

static void cupcake_boxes(synth_builder *b)
{
    const char *who = NAME(b), *treat = SB_PICK(b, treats);
    static const long sizes[] = {4, 6, 8, 12};
    long box = sizes[sb_range(b, 0, 3)], boxes = sb_range(b, 3, 12), price = sb_range(b, 5, 15);
    sb_say(b, "%s bakes %ld %s and packs them in boxes of %ld. %s keeps one box and sells the others "
              "for $%ld a box. How much money does %s make?", who, box * boxes, treat, box, who, price, who);
    int made = sb_int(b, "baked", box * boxes), per = sb_int(b, "per_box", box);
    int kept = sb_int(b, "boxes_kept", 1), pr = sb_int(b, "price_per_box", price);
    int total = sb_op(b, "total_boxes", made, '/', per);
    int sold = sb_op(b, "boxes_sold", total, '-', kept);
    sb_op(b, "result", sold, '*', pr);
}

static void laps_km(synth_builder *b)
{
    const char *who = NAME(b);
    long laps = sb_range(b, 2, 10), days = sb_range(b, 3, 7);
    sb_say(b, "A running track is 400 meters long. %s runs %ld laps a day for %ld days. How many "
              "kilometers does %s run in total?", who, laps, days, who);
    int len = sb_int(b, "track_meters", 400), l = sb_int(b, "laps_per_day", laps);
    int d = sb_int(b, "days", days), km = sb_int(b, "meters_per_km", 1000);
    int daily = sb_op(b, "meters_per_day", len, '*', l);
    int total = sb_op(b, "total_meters", daily, '*', d);
    sb_op(b, "result", total, '/', km);
}

static void spend_fractions(synth_builder *b)
{
    const char *who = NAME(b), *what = SB_PICK(b, goods);
    long money = sb_step(b, 40, 240, 8);
    sb_say(b, "%s has $%ld. %s spends half of it on %s and then a quarter of what is left on lunch. "
              "How much money does %s have now?", who, money, who, what, who);
    int m = sb_int(b, "money", money), two = sb_int(b, "half", 2), four = sb_int(b, "quarter", 4);
    int spent = sb_op(b, "spent_on_items", m, '/', two);
    int rest = sb_op(b, "after_items", m, '-', spent);
    int lunch = sb_op(b, "lunch", rest, '/', four);
    sb_op(b, "result", rest, '-', lunch);
}

static void rate_comparison(synth_builder *b)
{
    const char *x = NAME(b), *y = other_name(b, x, NULL);
    long r1 = sb_range(b, 20, 60), r2 = sb_range(b, 10, 19), t = sb_range(b, 2, 8);
    sb_say(b, "%s can type %ld words per minute and %s can type %ld words per minute. How many more "
              "words does %s type than %s in %ld minutes?", x, r1, y, r2, x, y, t);
    int a = sb_int(b, "first_rate", r1), c = sb_int(b, "second_rate", r2), m = sb_int(b, "minutes", t);
    int w1 = sb_op(b, "first_words", a, '*', m);
    int w2 = sb_op(b, "second_words", c, '*', m);
    sb_op(b, "result", w1, '-', w2);
}

const synth_template synth_templates[] = {
    {"shopping_change", shopping_change},   {"eggs_market", eggs_market},
    {"savings_weeks", savings_weeks},       {"discount_total", discount_total},
    {"road_trip", road_trip},               {"reading_hours", reading_hours},
    {"cookie_share", cookie_share},         {"compare_collection", compare_collection},
    {"wages_bonus", wages_bonus},           {"garden_survival", garden_survival},
    {"ages_sum", ages_sum},                 {"recipe_scale", recipe_scale},
    {"pet_food", pet_food},                 {"tickets", tickets},
    {"bake_sale_profit", bake_sale_profit}, {"price_increase", price_increase},
    {"marbles_giveaway", marbles_giveaway}, {"water_tank", water_tank},
    {"class_gender", class_gender},         {"bookshelf", bookshelf},
    {"fuel_cost", fuel_cost},               {"phone_plan", phone_plan},
    {"cupcake_boxes", cupcake_boxes},       {"laps_km", laps_km},
    {"spend_fractions", spend_fractions},   {"rate_comparison", rate_comparison},
};
const int synth_template_total = (int)(sizeof synth_templates / sizeof synth_templates[0]);
