// tether find|find-one|insert|update|delete|upsert|count|aggregate|raw.
#include <iostream>

#include "cli.hpp"

namespace tether::cli {
namespace {

struct args {
  std::string table, where, select, order_by, data, conflict_keys, update_columns, operations,
      group_by, having, query, params, column, after, include;
  std::int64_t limit = -1, offset = -1;
  bool returning = false, all_rows = false, distinct = false;
};

std::vector<order_term> parse_order(const std::string& text) {
  std::vector<order_term> out;
  for (const auto& item : list_arg(text)) out.push_back(order_term::parse(item));
  return out;
}

value where_of(const args& a) { return a.where.empty() ? value() : json_arg(a.where, "--where"); }

std::vector<include_options> include_of(const args& a) {
  return a.include.empty() ? std::vector<include_options>{} : include_options::parse(json_arg(a.include, "--include"));
}

// Related rows have no table form: with --include, the rows are printed as JSON.
constexpr const char* include_help =
    "Related rows, JSON: {\"name\": {\"type\", \"table\", \"foreign_key\", \"primary_key\", …}} (docs/querying.md, "
    "\"Relations\"); the output is then JSON";

std::optional<std::int64_t> opt(std::int64_t v) { return v < 0 ? std::nullopt : std::optional<std::int64_t>(v); }

// The table argument and the filter flags several commands share.
CLI::App* command(CLI::App& app, const char* name, const char* help, const char* example, args& a) {
  auto* c = app.add_subcommand(name, help);
  c->fallthrough();
  c->footer(std::string("Example:\n  ") + example + "\n");
  if (std::string_view(name) != "raw") c->add_option("table", a.table, "The table")->required();
  return c;
}

}  // namespace

void add_data_commands(CLI::App& app, globals& g, action& run) {
  auto a = std::make_shared<args>();

  auto* find = command(app, "find", "Find rows", R"(tether find users --where '{"age":{"$gt":18}}' --order-by age:desc --limit 10)", *a);
  find->add_option("--where", a->where, "Filter, JSON (or @file, or - for stdin)");
  find->add_option("--select", a->select, "Columns: a,b,c");
  find->add_option("--order-by", a->order_by, "col[:asc|:desc][,…]");
  find->add_option("--limit", a->limit, "At most N rows")->check(whole_number(0));
  find->add_option("--offset", a->offset, "Skip N rows")->check(whole_number(0));
  auto* after = find->add_option("--after", a->after,
                                 "Page by key: '' for the first page, then the token the last page printed");
  find->add_option("--include", a->include, include_help);
  find->callback([&run, &g, a, after] {
    run = [&g, a, paged = after->count() > 0] {
      target t(g);
      auto r = t.db().find({.table = a->table, .select = list_arg(a->select), .where = where_of(*a),
                            .order_by = parse_order(a->order_by), .limit = opt(a->limit), .offset = opt(a->offset),
                            .after = paged ? std::optional<std::string>(a->after) : std::nullopt,
                            .include = include_of(*a)});
      if (g.json || !a->include.empty()) std::cout << r.to_json() << "\n";
      else print_records(std::cout, r.records);
      if (!g.json && !r.next.empty()) std::cerr << "next page: --after " << r.next << "\n";
      return ok;
    };
  });

  auto* find_one = command(app, "find-one", "Find the first matching row", R"(tether find-one users --where '{"email":"ada@example.com"}')", *a);
  find_one->add_option("--where", a->where, "Filter, JSON")->required();
  find_one->add_option("--include", a->include, include_help);
  find_one->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      auto r = t.db().find({.table = a->table, .where = where_of(*a), .limit = 1, .include = include_of(*a)});
      if (g.json || !a->include.empty()) std::cout << (r.records.empty() ? std::string("null") : r.records.front().to_json()) << "\n";
      else print_records(std::cout, r.records);
      return ok;
    };
  });

  auto* insert = command(app, "insert", "Insert one record or an array of records", R"(tether insert users --data '[{"name":"Ada"},{"name":"Grace"}]' --returning)", *a);
  insert->add_option("--data", a->data, "A record or an array of records, JSON (or @file, or -)")->required();
  insert->add_flag("--returning", a->returning, "Return the inserted rows");
  insert->callback([&run, &g, a] {
    run = [&g, a] {
      value data = json_arg(a->data, "--data");
      std::vector<value> rows = data.is_array() ? data.as_array() : std::vector<value>{data};
      target t(g);
      auto r = t.db().insert({.table = a->table, .records = std::move(rows),
                              .returning = a->returning ? std::vector<std::string>{"*"} : std::vector<std::string>{}});
      if (g.json) std::cout << r.to_json() << "\n";
      else if (a->returning) print_records(std::cout, r.records);
      else std::cout << "inserted " << r.count << (r.count == 1 ? " row\n" : " rows\n");
      return ok;
    };
  });

  auto* update = command(app, "update", "Update matching rows", R"(tether update users --data '{"$inc":{"visits":1}}' --where '{"id":7}')", *a);
  update->add_option("--data", a->data, "Values and update operators, JSON")->required();
  update->add_option("--where", a->where, "Filter, JSON");
  update->add_flag("--all-rows", a->all_rows, "Update every row (an empty --where is refused otherwise)");
  update->callback([&run, &g, a] {
    run = [&g, a] {
      value data = json_arg(a->data, "--data");
      target t(g);
      auto r = t.db().update({.table = a->table, .data = data, .where = where_of(*a), .all_rows = a->all_rows});
      if (g.json) std::cout << r.to_json() << "\n";
      else std::cout << "updated " << r.count << (r.count == 1 ? " row\n" : " rows\n");
      return ok;
    };
  });

  auto* remove = command(app, "delete", "Delete matching rows", R"(tether delete sessions --where '{"expired":true}')", *a);
  remove->add_option("--where", a->where, "Filter, JSON");
  remove->add_flag("--all-rows", a->all_rows, "Delete every row (an empty --where is refused otherwise)");
  remove->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      auto r = t.db().remove({.table = a->table, .where = where_of(*a), .all_rows = a->all_rows});
      if (g.json) std::cout << r.to_json() << "\n";
      else std::cout << "deleted " << r.count << (r.count == 1 ? " row\n" : " rows\n");
      return ok;
    };
  });

  auto* upsert = command(app, "upsert", "Insert a record, or update it when its key exists", R"(tether upsert users --data '{"email":"ada@example.com","name":"Ada"}' --conflict-keys email)", *a);
  upsert->add_option("--data", a->data, "One record, JSON")->required();
  upsert->add_option("--conflict-keys", a->conflict_keys, "The unique key: a,b")->required();
  upsert->add_option("--update-columns", a->update_columns, "Columns to overwrite (default: all but the key)");
  upsert->callback([&run, &g, a] {
    run = [&g, a] {
      value data = json_arg(a->data, "--data");
      target t(g);
      auto r = t.db().upsert({.table = a->table, .data = data, .conflict_keys = list_arg(a->conflict_keys),
                              .update_columns = list_arg(a->update_columns)});
      if (g.json) std::cout << r.to_json() << "\n";
      else print_records(std::cout, r.records);
      return ok;
    };
  });

  auto* count = command(app, "count", "Count matching rows", R"(tether count users --where '{"status":"active"}')", *a);
  count->add_option("--where", a->where, "Filter, JSON");
  count->add_option("--column", a->column, "Count non-null values of this column");
  count->add_flag("--distinct", a->distinct, "Count distinct values of --column");
  count->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      std::cout << t.db().count({.table = a->table, .column = a->column, .where = where_of(*a), .distinct = a->distinct})
                << "\n";
      return ok;
    };
  });

  auto* aggregate = command(app, "aggregate", "Group and aggregate", R"(tether aggregate orders --operations '{"total":{"$sum":"amount"}}' --group-by region)", *a);
  aggregate->add_option("--operations", a->operations, R"({"alias": {"$fn": "column"}}, JSON)")->required();
  aggregate->add_option("--group-by", a->group_by, "Columns: a,b");
  aggregate->add_option("--having", a->having, "Filter over aliases, JSON");
  aggregate->add_option("--where", a->where, "Filter, JSON");
  aggregate->add_option("--order-by", a->order_by, "alias[:asc|:desc][,…]");
  aggregate->add_option("--limit", a->limit, "At most N groups")->check(whole_number(0));
  aggregate->callback([&run, &g, a] {
    run = [&g, a] {
      value ops = json_arg(a->operations, "--operations");
      value having = a->having.empty() ? value() : json_arg(a->having, "--having");
      target t(g);
      auto r = t.db().aggregate({.table = a->table, .operations = ops, .where = where_of(*a),
                                 .group_by = list_arg(a->group_by), .having = having,
                                 .order_by = parse_order(a->order_by), .limit = opt(a->limit)});
      if (g.json) std::cout << r.to_json() << "\n";
      else print_records(std::cout, r);
      return ok;
    };
  });

  auto* raw = command(app, "raw", "Run the engine's own query language with bound params", R"(tether raw --query 'SELECT * FROM users WHERE id = ?' --params '[7]')", *a);
  raw->add_option("--query", a->query, "The statement")->required();
  raw->add_option("--params", a->params, "Params, a JSON array");
  raw->callback([&run, &g, a] {
    run = [&g, a] {
      std::vector<value> params;
      if (!a->params.empty()) {
        value p = json_arg(a->params, "--params");
        if (!p.is_array()) throw tether::error(error_category::usage, "--params must be a JSON array");
        params = p.as_array();
      }
      target t(g);
      auto r = t.db().raw({.query = a->query, .params = std::move(params)});
      if (g.json) std::cout << r.to_json() << "\n";
      else if (r.records.column_count()) print_records(std::cout, r.records);
      else std::cout << r.count << (r.count == 1 ? " row changed\n" : " rows changed\n");
      return ok;
    };
  });
}

}  // namespace tether::cli
