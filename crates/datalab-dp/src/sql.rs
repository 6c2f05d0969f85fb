//! The SQL subset, parsed with `sqlparser` (generic dialect) into a [`QuerySpec`].
//!
//! ```sql
//! SELECT sex, COUNT(*), AVG(CLAMP(income, 0, 200000)), QUANTILE(age, 0.5)
//! FROM patients WHERE age BETWEEN 18 AND 90 AND region IN ('N', 'S') GROUP BY sex
//! ```

use datalab_data::{DataError, Result};
use sqlparser::ast::{
    BinaryOperator, DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    GroupByExpr, SelectItem, SetExpr, Statement, TableFactor, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::spec::{Aggregate, Bounds, CmpOp, Literal, Predicate, QuerySpec};

fn bad(msg: impl Into<String>) -> DataError {
    DataError::usage(format!("--sql: {}", msg.into()))
}

/// Parses one `SELECT` of the supported subset.
pub fn parse(sql: &str) -> Result<QuerySpec> {
    let stmts = Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| bad(e.to_string()))?;
    let [Statement::Query(query)] = stmts.as_slice() else {
        return Err(bad("expected exactly one SELECT statement"));
    };
    if query.with.is_some() || query.order_by.is_some() || query.limit_clause.is_some() {
        return Err(bad("WITH, ORDER BY and LIMIT are not supported"));
    }
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Err(bad(
            "expected a plain SELECT (no UNION, VALUES or subquery)",
        ));
    };
    if select.distinct.is_some() || select.having.is_some() || select.top.is_some() {
        return Err(bad("SELECT DISTINCT, TOP and HAVING are not supported"));
    }
    let from = match select.from.as_slice() {
        [t] if t.joins.is_empty() => match &t.relation {
            TableFactor::Table {
                name, args: None, ..
            } => unquote(&name.to_string()),
            _ => return Err(bad("FROM must name one table")),
        },
        _ => return Err(bad("FROM must name exactly one table, without joins")),
    };
    let group_by = match &select.group_by {
        GroupByExpr::Expressions(exprs, mods) if mods.is_empty() => {
            exprs.iter().map(column_name).collect::<Result<Vec<_>>>()?
        }
        _ => return Err(bad("GROUP BY ALL and modifiers are not supported")),
    };
    let mut aggregates = Vec::new();
    for item in &select.projection {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => return Err(bad("SELECT * is not allowed: name the aggregates")),
        };
        match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                let c = column_name(expr)?;
                if !group_by.contains(&c) {
                    return Err(bad(format!(
                        "column '{c}' is selected but not in GROUP BY: only aggregates are released"
                    )));
                }
            }
            _ => aggregates.push(aggregate(expr)?),
        }
    }
    if aggregates.is_empty() {
        return Err(bad("no aggregate selected (COUNT, SUM, AVG, QUANTILE)"));
    }
    let filter = select.selection.as_ref().map(predicate).transpose()?;
    Ok(QuerySpec {
        from,
        select: aggregates,
        filter,
        group_by,
    })
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '`').to_string()
}

fn column_name(e: &Expr) -> Result<String> {
    match e {
        Expr::Identifier(i) => Ok(i.value.clone()),
        Expr::CompoundIdentifier(parts) => {
            Ok(parts.last().map(|i| i.value.clone()).unwrap_or_default())
        }
        Expr::Nested(inner) => column_name(inner),
        other => Err(bad(format!("expected a column name, found '{other}'"))),
    }
}

fn number(e: &Expr) -> Result<f64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("'{n}' is not a finite number"))),
            other => Err(bad(format!("expected a number, found {other}"))),
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => Ok(-number(expr)?),
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => number(expr),
        Expr::Nested(inner) => number(inner),
        other => Err(bad(format!("expected a number, found '{other}'"))),
    }
}

fn literal(e: &Expr) -> Result<Literal> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(..) => Ok(Literal::Number(number(e)?)),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                Ok(Literal::Text(s.clone()))
            }
            Value::Boolean(b) => Ok(Literal::Bool(*b)),
            other => Err(bad(format!("unsupported literal {other}"))),
        },
        Expr::UnaryOp { .. } | Expr::Nested(_) => Ok(Literal::Number(number(e)?)),
        other => Err(bad(format!(
            "WHERE compares columns with constants only; found '{other}'"
        ))),
    }
}

/// The column of an aggregate argument, with bounds when written as `CLAMP(col, lo, hi)`.
fn clamped_column(e: &Expr) -> Result<(String, Option<Bounds>)> {
    if let Expr::Function(f) = e
        && f.name.to_string().eq_ignore_ascii_case("clamp")
    {
        let args = plain_args(f)?;
        let [c, lo, hi] = args.as_slice() else {
            return Err(bad("CLAMP takes (column, lower, upper)"));
        };
        let (lower, upper) = (number(lo)?, number(hi)?);
        if lower > upper {
            return Err(bad(format!("CLAMP bounds {lower} > {upper}")));
        }
        return Ok((column_name(c)?, Some(Bounds { lower, upper })));
    }
    Ok((column_name(e)?, None))
}

fn plain_args(f: &sqlparser::ast::Function) -> Result<Vec<Expr>> {
    let FunctionArguments::List(list) = &f.args else {
        return Err(bad(format!("{} needs arguments in parentheses", f.name)));
    };
    if !list.clauses.is_empty() || f.filter.is_some() || f.over.is_some() {
        return Err(bad(format!(
            "{}: FILTER, OVER and clauses are not supported",
            f.name
        )));
    }
    list.args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e.clone()),
            _ => Err(bad(format!("{}: unsupported argument", f.name))),
        })
        .collect()
}

fn aggregate(e: &Expr) -> Result<Aggregate> {
    let Expr::Function(f) = e else {
        return Err(bad(format!("expected an aggregate, found '{e}'")));
    };
    let name = f.name.to_string().to_ascii_uppercase();
    let FunctionArguments::List(list) = &f.args else {
        return Err(bad(format!("{name} needs arguments in parentheses")));
    };
    let distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
    if name == "COUNT" {
        return match (list.args.as_slice(), distinct) {
            ([FunctionArg::Unnamed(FunctionArgExpr::Wildcard)], false) => Ok(Aggregate::Count),
            ([FunctionArg::Unnamed(FunctionArgExpr::Expr(c))], true) => {
                Ok(Aggregate::CountDistinct {
                    column: column_name(c)?,
                })
            }
            ([FunctionArg::Unnamed(FunctionArgExpr::Expr(_))], false) => Err(bad(
                "COUNT(column) is not supported: use COUNT(*) with WHERE column IS NOT NULL",
            )),
            _ => Err(bad("COUNT takes * or DISTINCT column")),
        };
    }
    if distinct {
        return Err(bad(format!("{name}(DISTINCT …) is not supported")));
    }
    let args = plain_args(f)?;
    match (name.as_str(), args.as_slice()) {
        ("SUM", [a]) => {
            let (column, bounds) = clamped_column(a)?;
            Ok(Aggregate::Sum { column, bounds })
        }
        ("AVG" | "MEAN", [a]) => {
            let (column, bounds) = clamped_column(a)?;
            Ok(Aggregate::Avg { column, bounds })
        }
        ("MEDIAN", [a]) => {
            let (column, bounds) = clamped_column(a)?;
            Ok(Aggregate::Quantile {
                column,
                q: 0.5,
                bounds,
            })
        }
        ("QUANTILE" | "PERCENTILE", [a, q]) => {
            let (column, bounds) = clamped_column(a)?;
            let q = number(q)?;
            if !(0.0..=1.0).contains(&q) {
                return Err(bad(format!("{name}: q = {q} is not within [0, 1]")));
            }
            Ok(Aggregate::Quantile { column, q, bounds })
        }
        _ => Err(bad(format!(
            "unsupported aggregate {name} with {} argument(s): use COUNT(*), COUNT(DISTINCT c), SUM, AVG, QUANTILE(c, q), MEDIAN",
            args.len()
        ))),
    }
}

fn cmp_op(op: &BinaryOperator) -> Option<CmpOp> {
    Some(match op {
        BinaryOperator::Eq => CmpOp::Eq,
        BinaryOperator::NotEq => CmpOp::Ne,
        BinaryOperator::Lt => CmpOp::Lt,
        BinaryOperator::LtEq => CmpOp::Le,
        BinaryOperator::Gt => CmpOp::Gt,
        BinaryOperator::GtEq => CmpOp::Ge,
        _ => return None,
    })
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

fn is_column(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

fn predicate(e: &Expr) -> Result<Predicate> {
    match e {
        Expr::Nested(inner) => predicate(inner),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => Ok(Predicate::And {
            args: vec![predicate(left)?, predicate(right)?],
        }),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Or,
            right,
        } => Ok(Predicate::Or {
            args: vec![predicate(left)?, predicate(right)?],
        }),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => Ok(Predicate::Not {
            arg: Box::new(predicate(expr)?),
        }),
        Expr::BinaryOp { left, op, right } => {
            let cmp = cmp_op(op)
                .ok_or_else(|| bad(format!("operator {op} is not supported in WHERE")))?;
            if is_column(left) {
                Ok(Predicate::Cmp {
                    column: column_name(left)?,
                    cmp,
                    value: literal(right)?,
                })
            } else if is_column(right) {
                Ok(Predicate::Cmp {
                    column: column_name(right)?,
                    cmp: flip(cmp),
                    value: literal(left)?,
                })
            } else {
                Err(bad(format!(
                    "WHERE: '{e}' must compare a column with a constant"
                )))
            }
        }
        Expr::InList {
            expr,
            list,
            negated,
        } => Ok(Predicate::In {
            column: column_name(expr)?,
            values: list.iter().map(literal).collect::<Result<_>>()?,
            negated: *negated,
        }),
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => Ok(Predicate::Between {
            column: column_name(expr)?,
            low: literal(low)?,
            high: literal(high)?,
            negated: *negated,
        }),
        Expr::IsNull(c) => Ok(Predicate::IsNull {
            column: column_name(c)?,
            negated: false,
        }),
        Expr::IsNotNull(c) => Ok(Predicate::IsNull {
            column: column_name(c)?,
            negated: true,
        }),
        other => Err(bad(format!("unsupported WHERE expression '{other}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subset() {
        let q = parse(
            "SELECT sex, COUNT(*), COUNT(DISTINCT pid), SUM(CLAMP(income, 0, 200000)), AVG(age), \
             QUANTILE(CLAMP(age, 0, 120), 0.9), MEDIAN(age) FROM patients \
             WHERE age >= 18 AND (region IN ('N', 'S') OR NOT income IS NULL) AND 90 > age \
             GROUP BY sex",
        )
        .unwrap();
        assert_eq!(q.from, "patients");
        assert_eq!(q.group_by, vec!["sex"]);
        assert_eq!(q.select.len(), 6);
        assert_eq!(
            q.select[2],
            Aggregate::Sum {
                column: "income".into(),
                bounds: Some(Bounds {
                    lower: 0.0,
                    upper: 200000.0
                })
            }
        );
        assert!(matches!(q.select[4], Aggregate::Quantile { q, .. } if q == 0.9));
        let json = serde_json::to_string(&q).unwrap();
        let back: QuerySpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn rejects_what_is_not_an_aggregate() {
        for bad_sql in [
            "SELECT * FROM t",
            "SELECT age FROM t",
            "SELECT COUNT(age) FROM t",
            "SELECT COUNT(*) FROM t JOIN u ON t.a = u.a",
            "SELECT COUNT(*) FROM t WHERE age > income",
            "SELECT MAX(age) FROM t",
            "SELECT COUNT(*) FROM t; SELECT COUNT(*) FROM t",
            "SELECT SUM(CLAMP(a, 5, 1)) FROM t",
        ] {
            let e = parse(bad_sql).unwrap_err();
            assert!(matches!(e, DataError::Usage(_)), "{bad_sql}: {e}");
        }
    }
}
