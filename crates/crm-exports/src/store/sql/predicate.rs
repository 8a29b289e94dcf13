//! A parsed search [`Predicate`] as SQL over a record table's columns: the live records,
//! a list's members, the filter groups (an OR of ANDs) and the query terms as one WHERE
//! clause, and the sorts (then id) as one ORDER BY. Text compares ignore ASCII case through
//! the dialect's text key; `NEQ`, `NOT_IN` and `NOT_CONTAINS_TOKEN` match records without a
//! value; multi-select `EQ`/`IN` match any chosen option.

use super::builder::{Param, Sql};
use super::dialect::{Dialect, is_text};
use crate::domain::ObjectType;
use crate::domain::Value;
use crate::domain::search::{Condition, Operand, Operator, Predicate};

/// Appends `live AND (group OR group …) AND (query terms)`.
pub fn push_where<'a>(sql: &mut Sql<'a>, object: ObjectType, predicate: &'a Predicate) {
    let d = sql.dialect();
    sql.push(&d.is_false("archived"));
    if let Some(list) = predicate.members_of_list {
        sql.push(" AND id IN (SELECT record_id FROM list_members WHERE list_id = ");
        sql.bind(list).push(")");
    }
    if !predicate.groups.is_empty() {
        sql.push(" AND (");
        for (g, group) in predicate.groups.iter().enumerate() {
            sql.push(if g == 0 { "(" } else { " OR (" });
            for (c, condition) in group.iter().enumerate() {
                if c > 0 {
                    sql.push(" AND ");
                }
                push_condition(sql, object, condition);
            }
            sql.push(")");
        }
        sql.push(")");
    }
    if let Some(query) = &predicate.query {
        for term in query.split_whitespace() {
            let pattern = format!("{}*", term.trim_end_matches('*'));
            if predicate.query_properties.is_empty() {
                sql.push(" AND ").push(d.bool_literal(false));
                continue;
            }
            let columns: Vec<String> = (predicate.query_properties.iter())
                .map(|p| d.column(object, &p.name).into_owned())
                .collect();
            let all_text = (predicate.query_properties.iter()).all(|p| is_text(p.property_type));
            sql.push(" AND ");
            d.push_any_token_match(sql, &columns, all_text, &pattern);
        }
    }
}

fn push_condition<'a>(sql: &mut Sql<'a>, object: ObjectType, condition: &'a Condition) {
    let d = sql.dialect();
    let column = d.column(object, &condition.property.name);
    let kind = condition.property.property_type;
    let multi = condition.property.is_multi_select();
    if column == "id" && push_id_condition(sql, condition) {
        return;
    }
    let key = if is_text(kind) {
        d.text_key(&column)
    } else {
        column.to_string()
    };
    match (&condition.operator, &condition.operand) {
        (Operator::HasProperty, _) => {
            sql.push(&column).push(" IS NOT NULL");
        }
        (Operator::NotHasProperty, _) => {
            sql.push(&column).push(" IS NULL");
        }
        (Operator::ContainsToken, Operand::Token(t)) => d.push_token_match(sql, &column, kind, t),
        (Operator::NotContainsToken, Operand::Token(t)) => {
            sql.push("NOT ");
            d.push_token_match(sql, &column, kind, t);
        }
        (Operator::Eq, Operand::One(v)) if multi => {
            d.push_option_match(sql, &column, &v.to_wire(None))
        }
        (Operator::Neq, Operand::One(v)) if multi => {
            sql.push("(").push(&column).push(" IS NULL OR NOT ");
            d.push_option_match(sql, &column, &v.to_wire(None));
            sql.push(")");
        }
        (Operator::Eq, Operand::One(v)) => {
            sql.push(&key).push(" = ").bind(d.key_value(kind, v));
        }
        (Operator::Neq, Operand::One(v)) => {
            sql.push("(")
                .push(&column)
                .push(" IS NULL OR ")
                .push(&key)
                .push(" != ");
            sql.bind(d.key_value(kind, v)).push(")");
        }
        (op @ (Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte), Operand::One(v)) => {
            let symbol = match op {
                Operator::Lt => " < ",
                Operator::Lte => " <= ",
                Operator::Gt => " > ",
                _ => " >= ",
            };
            sql.push(&key).push(symbol).bind(d.key_value(kind, v));
        }
        (Operator::Between, Operand::Range(low, high)) => {
            sql.push("(")
                .push(&key)
                .push(" BETWEEN ")
                .bind(d.key_value(kind, low));
            sql.push(" AND ").bind(d.key_value(kind, high)).push(")");
        }
        (Operator::In | Operator::NotIn, Operand::Many(values)) => {
            let negated = condition.operator == Operator::NotIn;
            push_in(sql, &column, &key, condition, values, negated);
        }
        // The parser pairs every operator with its operand shape; anything else matches nothing.
        _ => {
            sql.push(d.bool_literal(false));
        }
    }
}

/// The record id as a whole-number bound: `hs_object_id` filters arrive as numbers (`GT 1.5`
/// is legal), but the id column holds integers and PostgreSQL cannot bind a fraction to
/// it, so a fraction moves to the whole number that selects the same ids (`> 1.5` is
/// `> 1`, `>= 1.5` is `>= 2`) and an equality with one matches nothing. Returns `false`
/// for the operators it leaves to the general path (the id is never null).
fn push_id_condition<'a>(sql: &mut Sql<'a>, condition: &'a Condition) -> bool {
    let d = sql.dialect();
    let exact = |v: &Value| match *v {
        Value::Real(x) if x.fract() != 0.0 => None,
        Value::Real(x) => Some(x as i64),
        Value::Integer(n) => Some(n),
        _ => None,
    };
    let rounded = |v: &Value, up: bool| match *v {
        Value::Real(x) if up => Some(x.ceil() as i64),
        Value::Real(x) => Some(x.floor() as i64),
        _ => exact(v),
    };
    let bound = |sql: &mut Sql<'a>, symbol: &str, n: Option<i64>| match n {
        Some(n) => {
            sql.push("id").push(symbol).bind(Param::Int(n));
        }
        None => {
            sql.push(d.bool_literal(false));
        }
    };
    match (&condition.operator, &condition.operand) {
        (Operator::Eq, Operand::One(v)) => bound(sql, " = ", exact(v)),
        (Operator::Neq, Operand::One(v)) => match exact(v) {
            Some(n) => {
                sql.push("id != ").bind(Param::Int(n));
            }
            None => {
                sql.push(d.bool_literal(true));
            }
        },
        (Operator::Gt, Operand::One(v)) => bound(sql, " > ", rounded(v, false)),
        (Operator::Lte, Operand::One(v)) => bound(sql, " <= ", rounded(v, false)),
        (Operator::Gte, Operand::One(v)) => bound(sql, " >= ", rounded(v, true)),
        (Operator::Lt, Operand::One(v)) => bound(sql, " < ", rounded(v, true)),
        (Operator::Between, Operand::Range(low, high)) => {
            let (low, high) = (rounded(low, true), rounded(high, false));
            sql.push("(");
            bound(sql, " >= ", low);
            sql.push(" AND ");
            bound(sql, " <= ", high);
            sql.push(")");
        }
        (op @ (Operator::In | Operator::NotIn), Operand::Many(values)) => {
            let ids: Vec<i64> = values.iter().filter_map(exact).collect();
            let negated = *op == Operator::NotIn;
            if ids.is_empty() {
                sql.push(d.bool_literal(negated));
            } else {
                sql.push(if negated { "id NOT IN (" } else { "id IN (" });
                sql.bind_list(ids.into_iter().map(Param::Int)).push(")");
            }
        }
        _ => return false,
    }
    true
}

/// `IN` (or `NOT IN`, which also matches records without a value): any of the options of a
/// multi-select, or any of the values.
fn push_in<'a>(
    sql: &mut Sql<'a>,
    column: &str,
    key: &str,
    condition: &'a Condition,
    values: &'a [crate::domain::Value],
    negated: bool,
) {
    let d = sql.dialect();
    if negated {
        sql.push("(").push(column).push(" IS NULL OR NOT ");
    }
    if values.is_empty() {
        sql.push(d.bool_literal(false));
    } else if condition.property.is_multi_select() {
        sql.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            d.push_option_match(sql, column, &v.to_wire(None));
        }
        sql.push(")");
    } else {
        let kind = condition.property.property_type;
        sql.push(key).push(" IN (");
        sql.bind_list(values.iter().map(|v| d.key_value(kind, v)));
        sql.push(")");
    }
    if negated {
        sql.push(")");
    }
}

/// The sorts, then id, so pages and exports have one stable order. Records without a value
/// sort last in either direction.
pub fn order_by(dialect: Dialect, object: ObjectType, predicate: &Predicate) -> String {
    let mut order = String::new();
    for sort in &predicate.sorts {
        let column = dialect.column(object, &sort.property.name);
        let key = if is_text(sort.property.property_type) {
            dialect.text_key(&column)
        } else {
            column.to_string()
        };
        let direction = if sort.descending { "DESC" } else { "ASC" };
        order.push_str(&format!("({column} IS NULL), {key} {direction}, "));
    }
    order.push_str("id ASC");
    order
}
