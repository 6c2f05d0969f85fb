//! Row-level expressions such as `discharge_date >= admission_date`: a tokenizer, a
//! recursive-descent parser, a type checker that binds column names to a schema, and an
//! evaluator with SQL's three-valued logic (a null operand makes the result null).
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | cmp
//! cmp     := sum (("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum | "is" ["not"] "null")?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | primary
//! primary := number | 'text' | true | false | column | "quoted column" | `quoted column`
//!          | function "(" [or ("," or)*] ")" | "(" or ")"
//! ```

use std::cmp::Ordering;

use super::values::{
    ColumnData, Kind, MICROS_PER_DAY, Val, compare, date_micros, parse_date, parse_timestamp,
};

/// Deepest nesting (parentheses, `not`, unary minus) and deepest tree the parser accepts, so a
/// hostile expression cannot exhaust the stack of the recursive parser and evaluator.
const MAX_DEPTH: usize = 100;
const MAX_CHARS: usize = 10_000;

const FUNCTIONS: &str = "date('YYYY-MM-DD'), timestamp('YYYY-MM-DDTHH:MM:SS'), today(), now(), length(text), abs(number)";

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Quoted(String),
    Str(String),
    Int(i64),
    Float(f64),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    /// 1-based character position, for error messages.
    pos: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Quoted(s) => format!("\"{s}\""),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Int(i) => i.to_string(),
        Tok::Float(f) => f.to_string(),
        Tok::Op(o) => format!("'{o}'"),
        Tok::LParen => "'('".to_string(),
        Tok::RParen => "')'".to_string(),
        Tok::Comma => "','".to_string(),
    }
}

fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let mut float = false;
            if i < chars.len() && chars[i] == '.' {
                float = true;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    float = true;
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            if i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                return Err(format!(
                    "unexpected '{}' after a number at character {}",
                    chars[i],
                    i + 1
                ));
            }
            let text: String = chars[start..i].iter().collect();
            match (float, text.parse::<i64>()) {
                (false, Ok(v)) => Tok::Int(v),
                _ => Tok::Float(
                    text.parse::<f64>()
                        .map_err(|_| format!("'{text}' at character {pos} is not a number"))?,
                ),
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else if c == '\'' || c == '"' || c == '`' {
            // Doubling the quote inside escapes it, as in SQL.
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        let what = if c == '\'' { "text" } else { "column name" };
                        return Err(format!(
                            "the quoted {what} starting at character {pos} is not closed"
                        ));
                    }
                    Some(&q) if q == c => {
                        if chars.get(i + 1) == Some(&c) {
                            text.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&other) => {
                        text.push(other);
                        i += 1;
                    }
                }
            }
            if c == '\'' {
                Tok::Str(text)
            } else {
                Tok::Quoted(text)
            }
        } else {
            let next = chars.get(i + 1).copied();
            let (op, len) = match (c, next) {
                ('(', _) => (None, 1),
                (')', _) => (None, 1),
                (',', _) => (None, 1),
                ('=', Some('=')) => (Some("="), 2),
                ('=', _) => (Some("="), 1),
                ('!', Some('=')) => (Some("!="), 2),
                ('<', Some('>')) => (Some("!="), 2),
                ('<', Some('=')) => (Some("<="), 2),
                ('<', _) => (Some("<"), 1),
                ('>', Some('=')) => (Some(">="), 2),
                ('>', _) => (Some(">"), 1),
                ('+', _) => (Some("+"), 1),
                ('-', _) => (Some("-"), 1),
                ('*', _) => (Some("*"), 1),
                ('/', _) => (Some("/"), 1),
                _ => return Err(format!("unexpected character '{c}' at character {pos}")),
            };
            i += len;
            match (op, c) {
                (Some(o), _) => Tok::Op(o),
                (None, '(') => Tok::LParen,
                (None, ')') => Tok::RParen,
                _ => Tok::Comma,
            }
        };
        out.push(Token { tok, pos });
    }
    Ok(out)
}

/// A parsed expression, not yet bound to a schema.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Column(String),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Date(i32),
    Ts(i64),
    Today,
    Now,
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Length(Box<Expr>),
    Abs(Box<Expr>),
    IsNull(Box<Expr>, bool),
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

impl Expr {
    /// Column names in order of first use.
    pub(crate) fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_columns(&mut out);
        out
    }

    fn collect_columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Column(c) if !out.contains(c) => out.push(c.clone()),
            Expr::Neg(e) | Expr::Not(e) | Expr::Length(e) | Expr::Abs(e) | Expr::IsNull(e, _) => {
                e.collect_columns(out)
            }
            Expr::Bin(_, a, b) => {
                a.collect_columns(out);
                b.collect_columns(out);
            }
            _ => {}
        }
    }
}

/// Parses an expression; the error says what was expected and at which character.
pub(crate) fn parse(src: &str) -> Result<Expr, String> {
    if src.chars().count() > MAX_CHARS {
        return Err(format!(
            "the expression is longer than {MAX_CHARS} characters"
        ));
    }
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Err("the expression is empty".to_string());
    }
    let mut p = Parser {
        toks,
        i: 0,
        end: src.chars().count() + 1,
    };
    let (e, _) = p.or(0)?;
    if let Some(t) = p.toks.get(p.i) {
        let hint = if matches!(&t.tok, Tok::Op(o) if is_cmp_op(o)) {
            "; comparisons cannot be chained, join them with 'and'"
        } else {
            ""
        };
        return Err(format!(
            "unexpected {} at character {}{hint}",
            describe(&t.tok),
            t.pos
        ));
    }
    Ok(e)
}

fn is_cmp_op(o: &str) -> bool {
    matches!(o, "=" | "!=" | "<" | "<=" | ">" | ">=")
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    end: usize,
}

type Parsed = Result<(Expr, usize), String>;

fn bin(op: BinOp, (a, da): (Expr, usize), (b, db): (Expr, usize)) -> Parsed {
    let depth = 1 + da.max(db);
    if depth > MAX_DEPTH {
        return Err(format!(
            "the expression is nested more than {MAX_DEPTH} levels deep"
        ));
    }
    Ok((Expr::Bin(op, Box::new(a), Box::new(b)), depth))
}

fn unary(wrap: fn(Box<Expr>) -> Expr, (e, d): (Expr, usize)) -> Parsed {
    if d + 1 > MAX_DEPTH {
        return Err(format!(
            "the expression is nested more than {MAX_DEPTH} levels deep"
        ));
    }
    Ok((wrap(Box::new(e)), d + 1))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |t| t.pos)
    }

    fn found(&self) -> String {
        match self.toks.get(self.i) {
            Some(t) => format!("found {} at character {}", describe(&t.tok), t.pos),
            None => "found the end of the expression".to_string(),
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let yes = matches!(self.peek(), Some(Tok::Op(o)) if *o == op);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn guard(&self, nest: usize) -> Result<(), String> {
        if nest > MAX_DEPTH {
            Err(format!(
                "the expression is nested more than {MAX_DEPTH} levels deep"
            ))
        } else {
            Ok(())
        }
    }

    fn or(&mut self, nest: usize) -> Parsed {
        let mut left = self.and(nest)?;
        while self.eat_kw("or") {
            let right = self.and(nest)?;
            left = bin(BinOp::Or, left, right)?;
        }
        Ok(left)
    }

    fn and(&mut self, nest: usize) -> Parsed {
        let mut left = self.not(nest)?;
        while self.eat_kw("and") {
            let right = self.not(nest)?;
            left = bin(BinOp::And, left, right)?;
        }
        Ok(left)
    }

    fn not(&mut self, nest: usize) -> Parsed {
        if self.eat_kw("not") {
            self.guard(nest + 1)?;
            let inner = self.not(nest + 1)?;
            return unary(Expr::Not, inner);
        }
        self.cmp(nest)
    }

    fn cmp(&mut self, nest: usize) -> Parsed {
        let left = self.sum(nest)?;
        if self.eat_kw("is") {
            let negated = self.eat_kw("not");
            if !self.eat_kw("null") {
                return Err(format!(
                    "expected 'null' after 'is{}', {}",
                    if negated { " not" } else { "" },
                    self.found()
                ));
            }
            let (e, d) = left;
            return Ok((Expr::IsNull(Box::new(e), negated), d + 1));
        }
        let op = match self.peek() {
            Some(Tok::Op("=")) => BinOp::Eq,
            Some(Tok::Op("!=")) => BinOp::Ne,
            Some(Tok::Op("<")) => BinOp::Lt,
            Some(Tok::Op("<=")) => BinOp::Le,
            Some(Tok::Op(">")) => BinOp::Gt,
            Some(Tok::Op(">=")) => BinOp::Ge,
            _ => return Ok(left),
        };
        self.i += 1;
        let right = self.sum(nest)?;
        bin(op, left, right)
    }

    fn sum(&mut self, nest: usize) -> Parsed {
        let mut left = self.product(nest)?;
        loop {
            let op = if self.eat_op("+") {
                BinOp::Add
            } else if self.eat_op("-") {
                BinOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.product(nest)?;
            left = bin(op, left, right)?;
        }
    }

    fn product(&mut self, nest: usize) -> Parsed {
        let mut left = self.unary(nest)?;
        loop {
            let op = if self.eat_op("*") {
                BinOp::Mul
            } else if self.eat_op("/") {
                BinOp::Div
            } else {
                return Ok(left);
            };
            let right = self.unary(nest)?;
            left = bin(op, left, right)?;
        }
    }

    fn unary(&mut self, nest: usize) -> Parsed {
        if self.eat_op("-") {
            self.guard(nest + 1)?;
            // Fold `-3` into a literal so `x > -3` stays a plain comparison.
            match self.peek() {
                Some(Tok::Int(v)) => {
                    let v = *v;
                    self.i += 1;
                    return Ok((Expr::Int(v.wrapping_neg()), 1));
                }
                Some(Tok::Float(v)) => {
                    let v = *v;
                    self.i += 1;
                    return Ok((Expr::Float(-v), 1));
                }
                _ => {}
            }
            let inner = self.unary(nest + 1)?;
            return unary(Expr::Neg, inner);
        }
        self.primary(nest)
    }

    fn primary(&mut self, nest: usize) -> Parsed {
        let pos = self.pos();
        let Some(tok) = self.peek().cloned() else {
            return Err(format!("expected a value, {}", self.found()));
        };
        match tok {
            Tok::Int(v) => {
                self.i += 1;
                Ok((Expr::Int(v), 1))
            }
            Tok::Float(v) => {
                self.i += 1;
                Ok((Expr::Float(v), 1))
            }
            Tok::Str(s) => {
                self.i += 1;
                Ok((Expr::Str(s), 1))
            }
            Tok::Quoted(s) => {
                self.i += 1;
                Ok((Expr::Column(s), 1))
            }
            Tok::LParen => {
                self.guard(nest + 1)?;
                self.i += 1;
                let inner = self.or(nest + 1)?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(format!(
                        "expected ')' to close the '(' at character {pos}, {}",
                        self.found()
                    ));
                }
                self.i += 1;
                Ok(inner)
            }
            Tok::Ident(name) => {
                let lower = name.to_ascii_lowercase();
                match lower.as_str() {
                    "true" | "false" => {
                        self.i += 1;
                        return Ok((Expr::Bool(lower == "true"), 1));
                    }
                    "null" => {
                        return Err(format!(
                            "'null' at character {pos} is not a value; test for missing values with 'is null' or 'is not null'"
                        ));
                    }
                    "and" | "or" | "not" | "is" => {
                        return Err(format!("expected a value, {}", self.found()));
                    }
                    _ => {}
                }
                self.i += 1;
                if self.peek() == Some(&Tok::LParen) {
                    self.i += 1;
                    self.call(&lower, &name, pos, nest)
                } else {
                    Ok((Expr::Column(name), 1))
                }
            }
            Tok::Op(_) | Tok::RParen | Tok::Comma => {
                Err(format!("expected a value, {}", self.found()))
            }
        }
    }

    /// A function call; the opening parenthesis is consumed.
    fn call(&mut self, lower: &str, name: &str, pos: usize, nest: usize) -> Parsed {
        self.guard(nest + 1)?;
        let mut args = Vec::new();
        if self.peek() != Some(&Tok::RParen) {
            loop {
                // Literal arguments are kept as tokens' values; others parsed as expressions.
                args.push(self.or(nest + 1)?);
                if self.peek() == Some(&Tok::Comma) {
                    self.i += 1;
                    continue;
                }
                break;
            }
        }
        if self.peek() != Some(&Tok::RParen) {
            return Err(format!(
                "expected ')' to close the call of {name}() at character {pos}, {}",
                self.found()
            ));
        }
        self.i += 1;
        let arity = |n: usize| -> Result<(), String> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "{lower}() at character {pos} takes {n} argument{}, got {}",
                    if n == 1 { "" } else { "s" },
                    args.len()
                ))
            }
        };
        match lower {
            "date" | "timestamp" => {
                arity(1)?;
                let Some((Expr::Str(text), _)) = args.first() else {
                    return Err(format!(
                        "{lower}() at character {pos} takes a quoted literal such as {lower}('2020-01-31')"
                    ));
                };
                if lower == "date" {
                    parse_date(text).map(|d| (Expr::Date(d), 1)).ok_or_else(|| {
                        format!(
                            "date('{text}') at character {pos}: not a date of the form YYYY-MM-DD"
                        )
                    })
                } else {
                    parse_timestamp(text).map(|t| (Expr::Ts(t), 1)).ok_or_else(|| {
                        format!("timestamp('{text}') at character {pos}: not an ISO 8601 timestamp such as 2020-01-31T12:00:00")
                    })
                }
            }
            "today" => {
                arity(0)?;
                Ok((Expr::Today, 1))
            }
            "now" => {
                arity(0)?;
                Ok((Expr::Now, 1))
            }
            "length" | "abs" => {
                arity(1)?;
                let arg = args
                    .pop()
                    .ok_or_else(|| format!("{lower}() needs an argument"))?;
                unary(
                    if lower == "length" {
                        Expr::Length
                    } else {
                        Expr::Abs
                    },
                    arg,
                )
            }
            _ => Err(format!(
                "unknown function '{name}' at character {pos}; known functions: {FUNCTIONS}"
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Text,
    Bool,
    Date,
    Ts,
}

impl Ty {
    fn of(kind: Kind) -> Ty {
        match kind {
            Kind::Text => Ty::Text,
            Kind::Int => Ty::Int,
            Kind::Float => Ty::Float,
            Kind::Bool => Ty::Bool,
            Kind::Date => Ty::Date,
            Kind::Timestamp => Ty::Ts,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Ty::Int => "integer",
            Ty::Float => "number",
            Ty::Text => "text",
            Ty::Bool => "true/false",
            Ty::Date => "date",
            Ty::Ts => "timestamp",
        }
    }

    /// The name with its article, for messages.
    fn a(self) -> &'static str {
        match self {
            Ty::Int => "an integer",
            Ty::Float => "a number",
            Ty::Text => "text",
            Ty::Bool => "a true/false value",
            Ty::Date => "a date",
            Ty::Ts => "a timestamp",
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }

    fn temporal(self) -> bool {
        matches!(self, Ty::Date | Ty::Ts)
    }
}

#[derive(Debug)]
enum Lit {
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Date(i32),
    Ts(i64),
}

#[derive(Debug, Clone, Copy)]
enum Arith {
    Int(BinOp),
    Float(BinOp),
    /// Date − date → whole days.
    DateDiff,
    /// Date ± whole days (sign −1 or 1).
    DateShift(i32),
    /// Timestamp or date − timestamp or date → days with fraction.
    TsDiff,
    /// Timestamp ± days (with fraction).
    TsShift(i32),
}

/// An expression bound to columns: `Col(i)` reads slot `i` of [`Compiled::columns`].
#[derive(Debug)]
enum Node {
    Col(usize),
    Lit(Lit),
    Today,
    Now,
    Neg(Box<Node>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    IsNull(Box<Node>, bool),
    Cmp(BinOp, Box<Node>, Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Length(Box<Node>),
    Abs(Box<Node>),
}

/// A type-checked expression, ready to evaluate row by row.
#[derive(Debug)]
pub(crate) struct Compiled {
    root: Node,
    /// The columns the expression reads, with the kind each is read as.
    pub(crate) columns: Vec<(String, Kind)>,
}

/// Binds column names (through `kind_of`, which explains unknown names) and checks types;
/// the expression as a whole must be true or false for each row.
pub(crate) fn compile(
    expr: &Expr,
    kind_of: &dyn Fn(&str) -> Result<Kind, String>,
) -> Result<Compiled, String> {
    let mut b = Binder {
        kind_of,
        columns: Vec::new(),
    };
    let (root, ty) = b.bind(expr)?;
    if ty != Ty::Bool {
        return Err(format!(
            "the expression gives {} for each row; a check needs true or false (a comparison such as a >= b)",
            ty.a()
        ));
    }
    Ok(Compiled {
        root,
        columns: b.columns,
    })
}

struct Binder<'a> {
    kind_of: &'a dyn Fn(&str) -> Result<Kind, String>,
    columns: Vec<(String, Kind)>,
}

impl Binder<'_> {
    fn bind(&mut self, e: &Expr) -> Result<(Node, Ty), String> {
        Ok(match e {
            Expr::Column(name) => {
                let slot = match self.columns.iter().position(|(n, _)| n == name) {
                    Some(s) => s,
                    None => {
                        let kind = (self.kind_of)(name)?;
                        self.columns.push((name.clone(), kind));
                        self.columns.len() - 1
                    }
                };
                (Node::Col(slot), Ty::of(self.columns[slot].1))
            }
            Expr::Int(v) => (Node::Lit(Lit::Int(*v)), Ty::Int),
            Expr::Float(v) => (Node::Lit(Lit::Float(*v)), Ty::Float),
            Expr::Str(s) => (Node::Lit(Lit::Text(s.clone())), Ty::Text),
            Expr::Bool(b) => (Node::Lit(Lit::Bool(*b)), Ty::Bool),
            Expr::Date(d) => (Node::Lit(Lit::Date(*d)), Ty::Date),
            Expr::Ts(t) => (Node::Lit(Lit::Ts(*t)), Ty::Ts),
            Expr::Today => (Node::Today, Ty::Date),
            Expr::Now => (Node::Now, Ty::Ts),
            Expr::Neg(inner) => {
                let (n, t) = self.bind(inner)?;
                if !t.numeric() {
                    return Err(format!("'-' needs a number, not {}", t.a()));
                }
                (Node::Neg(Box::new(n)), t)
            }
            Expr::Abs(inner) => {
                let (n, t) = self.bind(inner)?;
                if !t.numeric() {
                    return Err(format!("abs() needs a number, not {}", t.a()));
                }
                (Node::Abs(Box::new(n)), t)
            }
            Expr::Length(inner) => {
                let (n, t) = self.bind(inner)?;
                if t != Ty::Text {
                    return Err(format!("length() needs text, not {}", t.a()));
                }
                (Node::Length(Box::new(n)), Ty::Int)
            }
            Expr::Not(inner) => {
                let (n, t) = self.bind(inner)?;
                if t != Ty::Bool {
                    return Err(format!(
                        "'not' needs a condition (true or false), not {}",
                        t.a()
                    ));
                }
                (Node::Not(Box::new(n)), Ty::Bool)
            }
            Expr::IsNull(inner, negated) => {
                let (n, _) = self.bind(inner)?;
                (Node::IsNull(Box::new(n), *negated), Ty::Bool)
            }
            Expr::Bin(op, a, b) => self.bind_bin(*op, a, b)?,
        })
    }

    fn bind_bin(&mut self, op: BinOp, a: &Expr, b: &Expr) -> Result<(Node, Ty), String> {
        let (mut na, mut ta) = self.bind(a)?;
        let (mut nb, mut tb) = self.bind(b)?;
        match op {
            BinOp::And | BinOp::Or => {
                for t in [ta, tb] {
                    if t != Ty::Bool {
                        return Err(format!(
                            "'{}' joins conditions (true or false), not {}",
                            op.symbol(),
                            t.a()
                        ));
                    }
                }
                let node = if op == BinOp::And {
                    Node::And(Box::new(na), Box::new(nb))
                } else {
                    Node::Or(Box::new(na), Box::new(nb))
                };
                Ok((node, Ty::Bool))
            }
            _ if op.is_comparison() => {
                // A quoted literal next to a date or timestamp is read as one.
                if ta.temporal()
                    && let Expr::Str(s) = b
                {
                    (nb, tb) = temporal_literal(s)?;
                }
                if tb.temporal()
                    && let Expr::Str(s) = a
                {
                    (na, ta) = temporal_literal(s)?;
                }
                let ok = (ta.numeric() && tb.numeric())
                    || (ta.temporal() && tb.temporal())
                    || (ta == Ty::Text && tb == Ty::Text)
                    || (ta == Ty::Bool && tb == Ty::Bool && matches!(op, BinOp::Eq | BinOp::Ne));
                if !ok {
                    return Err(format!(
                        "cannot compare {} with {} using '{}'",
                        ta.a(),
                        tb.a(),
                        op.symbol()
                    ));
                }
                Ok((Node::Cmp(op, Box::new(na), Box::new(nb)), Ty::Bool))
            }
            _ => {
                let mismatch =
                    || format!("cannot compute {} {} {}", ta.name(), op.symbol(), tb.name());
                let (arith, ty, swap) = match (op, ta, tb) {
                    (_, Ty::Int, Ty::Int) if op != BinOp::Div => (Arith::Int(op), Ty::Int, false),
                    (_, x, y) if x.numeric() && y.numeric() => (Arith::Float(op), Ty::Float, false),
                    (BinOp::Sub, Ty::Date, Ty::Date) => (Arith::DateDiff, Ty::Int, false),
                    (BinOp::Sub, x, y) if x.temporal() && y.temporal() => {
                        (Arith::TsDiff, Ty::Float, false)
                    }
                    (BinOp::Add, Ty::Date, Ty::Int) => (Arith::DateShift(1), Ty::Date, false),
                    (BinOp::Add, Ty::Int, Ty::Date) => (Arith::DateShift(1), Ty::Date, true),
                    (BinOp::Sub, Ty::Date, Ty::Int) => (Arith::DateShift(-1), Ty::Date, false),
                    (BinOp::Add, Ty::Ts, y) if y.numeric() => (Arith::TsShift(1), Ty::Ts, false),
                    (BinOp::Add, x, Ty::Ts) if x.numeric() => (Arith::TsShift(1), Ty::Ts, true),
                    (BinOp::Sub, Ty::Ts, y) if y.numeric() => (Arith::TsShift(-1), Ty::Ts, false),
                    (BinOp::Add | BinOp::Sub, Ty::Date, Ty::Float) => {
                        return Err(format!(
                            "{}; add or subtract whole days from a date",
                            mismatch()
                        ));
                    }
                    _ => return Err(mismatch()),
                };
                let (l, r) = if swap { (nb, na) } else { (na, nb) };
                Ok((Node::Arith(arith, Box::new(l), Box::new(r)), ty))
            }
        }
    }
}

fn temporal_literal(s: &str) -> Result<(Node, Ty), String> {
    if let Some(d) = parse_date(s) {
        return Ok((Node::Lit(Lit::Date(d)), Ty::Date));
    }
    if let Some(t) = parse_timestamp(s) {
        return Ok((Node::Lit(Lit::Ts(t)), Ty::Ts));
    }
    Err(format!(
        "'{s}' is compared with a date but is not one; write dates as 'YYYY-MM-DD' and timestamps as 'YYYY-MM-DDTHH:MM:SS'"
    ))
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// What `today()` and `now()` mean during one run.
pub(crate) struct Clock {
    pub(crate) today: i32,
    pub(crate) now: i64,
}

impl Compiled {
    /// The value of the expression for one row: `Bool`, or `Null` when a null operand made
    /// the result unknown.
    pub(crate) fn eval<'a>(&'a self, cols: &'a [ColumnData], row: usize, clock: &Clock) -> Val<'a> {
        eval(&self.root, cols, row, clock)
    }
}

fn as_f64(v: Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(i as f64),
        Val::Float(f) => Some(f),
        _ => None,
    }
}

fn as_micros(v: Val) -> Option<i64> {
    match v {
        Val::Date(d) => Some(date_micros(d)),
        Val::Ts(t) => Some(t),
        _ => None,
    }
}

fn days_to_micros(days: f64) -> Option<i64> {
    let m = (days * MICROS_PER_DAY as f64).round();
    // Out-of-range results are unknown rather than saturated.
    (m.is_finite() && m.abs() < 9.0e18).then_some(m as i64)
}

fn eval<'a>(n: &'a Node, cols: &'a [ColumnData], row: usize, clock: &Clock) -> Val<'a> {
    match n {
        Node::Col(i) => cols.get(*i).map_or(Val::Null, |c| c.value(row)),
        Node::Lit(l) => match l {
            Lit::Int(v) => Val::Int(*v),
            Lit::Float(v) => Val::Float(*v),
            Lit::Text(s) => Val::Text(s),
            Lit::Bool(b) => Val::Bool(*b),
            Lit::Date(d) => Val::Date(*d),
            Lit::Ts(t) => Val::Ts(*t),
        },
        Node::Today => Val::Date(clock.today),
        Node::Now => Val::Ts(clock.now),
        Node::Neg(e) => match eval(e, cols, row, clock) {
            Val::Int(v) => v.checked_neg().map_or(Val::Null, Val::Int),
            Val::Float(v) => Val::Float(-v),
            _ => Val::Null,
        },
        Node::Abs(e) => match eval(e, cols, row, clock) {
            Val::Int(v) => v.checked_abs().map_or(Val::Null, Val::Int),
            Val::Float(v) => Val::Float(v.abs()),
            _ => Val::Null,
        },
        Node::Length(e) => match eval(e, cols, row, clock) {
            Val::Text(s) => Val::Int(s.chars().count() as i64),
            _ => Val::Null,
        },
        Node::Not(e) => match eval(e, cols, row, clock) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Null,
        },
        Node::IsNull(e, negated) => {
            let is_null = matches!(eval(e, cols, row, clock), Val::Null);
            Val::Bool(is_null != *negated)
        }
        Node::And(a, b) => {
            let l = eval(a, cols, row, clock);
            if matches!(l, Val::Bool(false)) {
                return l;
            }
            match (l, eval(b, cols, row, clock)) {
                (_, Val::Bool(false)) => Val::Bool(false),
                (Val::Bool(true), Val::Bool(true)) => Val::Bool(true),
                _ => Val::Null,
            }
        }
        Node::Or(a, b) => {
            let l = eval(a, cols, row, clock);
            if matches!(l, Val::Bool(true)) {
                return l;
            }
            match (l, eval(b, cols, row, clock)) {
                (_, Val::Bool(true)) => Val::Bool(true),
                (Val::Bool(false), Val::Bool(false)) => Val::Bool(false),
                _ => Val::Null,
            }
        }
        Node::Cmp(op, a, b) => {
            let (l, r) = (eval(a, cols, row, clock), eval(b, cols, row, clock));
            if matches!(l, Val::Null) || matches!(r, Val::Null) {
                return Val::Null;
            }
            let ord = compare(l, r);
            Val::Bool(match op {
                BinOp::Eq => ord == Some(Ordering::Equal),
                BinOp::Ne => ord != Some(Ordering::Equal),
                BinOp::Lt => ord == Some(Ordering::Less),
                BinOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                BinOp::Gt => ord == Some(Ordering::Greater),
                BinOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                _ => return Val::Null,
            })
        }
        Node::Arith(kind, a, b) => {
            let (l, r) = (eval(a, cols, row, clock), eval(b, cols, row, clock));
            if matches!(l, Val::Null) || matches!(r, Val::Null) {
                return Val::Null;
            }
            arith(*kind, l, r).unwrap_or(Val::Null)
        }
    }
}

/// `None` (shown as null: not applicable) on overflow and division by zero.
fn arith<'a>(kind: Arith, l: Val<'a>, r: Val<'a>) -> Option<Val<'a>> {
    match kind {
        Arith::Int(op) => {
            let (Val::Int(x), Val::Int(y)) = (l, r) else {
                return None;
            };
            let v = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ => None,
            }?;
            Some(Val::Int(v))
        }
        Arith::Float(op) => {
            let (x, y) = (as_f64(l)?, as_f64(r)?);
            let v = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div if y != 0.0 => x / y,
                _ => return None,
            };
            Some(Val::Float(v))
        }
        Arith::DateDiff => {
            let (Val::Date(x), Val::Date(y)) = (l, r) else {
                return None;
            };
            Some(Val::Int(i64::from(x) - i64::from(y)))
        }
        Arith::DateShift(sign) => {
            let (Val::Date(d), Val::Int(n)) = (l, r) else {
                return None;
            };
            let n = i32::try_from(n).ok()?.checked_mul(sign)?;
            Some(Val::Date(d.checked_add(n)?))
        }
        Arith::TsDiff => {
            let (x, y) = (as_micros(l)?, as_micros(r)?);
            Some(Val::Float((x as f64 - y as f64) / MICROS_PER_DAY as f64))
        }
        Arith::TsShift(sign) => {
            let t = as_micros(l)?;
            let shift = days_to_micros(as_f64(r)? * f64::from(sign))?;
            Some(Val::Ts(t.checked_add(shift)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    fn run(src: &str, cols: Vec<(&str, ArrayRef)>) -> Vec<Option<bool>> {
        let expr = parse(src).unwrap();
        let kinds: Vec<(String, Kind)> = cols
            .iter()
            .map(|(n, a)| (n.to_string(), Kind::of(a.data_type())))
            .collect();
        let kind_of = |name: &str| {
            kinds
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, k)| *k)
                .ok_or_else(|| format!("no column {name}"))
        };
        let c = compile(&expr, &kind_of).unwrap();
        let data: Vec<ColumnData> = c
            .columns
            .iter()
            .map(|(n, k)| {
                let a = &cols.iter().find(|(m, _)| m == n).unwrap().1;
                ColumnData::load(a, *k).unwrap()
            })
            .collect();
        let clock = Clock {
            today: 20_000,
            now: date_micros(20_000),
        };
        let rows = cols[0].1.len();
        (0..rows)
            .map(|r| match c.eval(&data, r, &clock) {
                Val::Bool(b) => Some(b),
                Val::Null => None,
                other => panic!("not a bool: {other:?}"),
            })
            .collect()
    }

    fn ints(v: Vec<Option<i64>>) -> ArrayRef {
        Arc::new(Int64Array::from(v))
    }

    #[test]
    fn precedence_and_arithmetic() {
        let a = ints(vec![Some(1), Some(2), Some(3)]);
        let b = ints(vec![Some(10), Some(20), Some(30)]);
        assert_eq!(
            run(
                "a * 10 = b and not a + 1 > 3",
                vec![("a", a.clone()), ("b", b.clone())]
            ),
            vec![Some(true), Some(true), Some(false)]
        );
        assert_eq!(
            run("(a + 1) * 2 >= 6 or b / a = 10.0", vec![("a", a), ("b", b)]),
            vec![Some(true), Some(true), Some(true)]
        );
    }

    #[test]
    fn three_valued_logic() {
        let a = ints(vec![Some(1), None, None, Some(5)]);
        assert_eq!(
            run("a > 2", vec![("a", a.clone())]),
            vec![Some(false), None, None, Some(true)]
        );
        assert_eq!(
            run("a > 2 or true", vec![("a", a.clone())]),
            vec![Some(true); 4]
        );
        assert_eq!(
            run("a > 2 and false", vec![("a", a.clone())]),
            vec![Some(false); 4]
        );
        assert_eq!(
            run("a is null or a < 3", vec![("a", a.clone())]),
            vec![Some(true), Some(true), Some(true), Some(false)]
        );
        assert_eq!(
            run("a IS NOT NULL", vec![("a", a)]),
            vec![Some(true), Some(false), Some(false), Some(true)]
        );
    }

    #[test]
    fn dates_compare_with_literals_and_days() {
        let d: ArrayRef = Arc::new(Date32Array::from(vec![Some(18262), Some(18300), None]));
        let e: ArrayRef = Arc::new(Date32Array::from(vec![Some(18265), Some(18290), Some(1)]));
        let cols = || vec![("admitted", d.clone()), ("discharged", e.clone())];
        assert_eq!(
            run("discharged >= admitted", cols()),
            vec![Some(true), Some(false), None]
        );
        assert_eq!(
            run("admitted >= '2020-01-01'", cols()),
            vec![Some(true), Some(true), None]
        );
        assert_eq!(
            run("admitted < date('2020-01-02')", cols()),
            vec![Some(true), Some(false), None]
        );
        assert_eq!(
            run("discharged - admitted <= 3", cols()),
            vec![Some(true), Some(true), None]
        );
        assert_eq!(
            run("admitted + 38 = date('2020-02-08')", cols()),
            vec![Some(true), Some(false), None]
        );
        assert_eq!(
            run(
                "admitted <= today() and admitted > timestamp('2019-12-31T23:00:00')",
                cols()
            ),
            vec![Some(true), Some(true), None]
        );
    }

    #[test]
    fn text_functions_and_quoted_names() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("ab"), Some("It's"), None]));
        let f: ArrayRef = Arc::new(Float64Array::from(vec![Some(-2.5), Some(1.0), Some(0.0)]));
        let cols = || vec![("post code", s.clone()), ("w", f.clone())];
        assert_eq!(
            run("length(\"post code\") = 2", cols()),
            vec![Some(true), Some(false), None]
        );
        assert_eq!(
            run("`post code` = 'It''s'", cols()),
            vec![Some(false), Some(true), None]
        );
        assert_eq!(
            run("abs(w) > 2 and -w > 0", cols()),
            vec![Some(true), Some(false), Some(false)]
        );
        // Division by zero makes the row not applicable rather than failing it.
        assert_eq!(
            run("1 / w > 0", cols()),
            vec![Some(false), Some(true), None]
        );
    }

    #[test]
    fn parse_errors_say_where() {
        let err = |s: &str| parse(s).unwrap_err();
        assert!(
            err("a >= ").contains("expected a value"),
            "{}",
            err("a >= ")
        );
        assert!(
            err("a >= b c").contains("character 8"),
            "{}",
            err("a >= b c")
        );
        assert!(err("(a > b").contains("expected ')'"));
        assert!(err("a < b < c").contains("chained"));
        assert!(err("a = null").contains("is null"));
        assert!(err("foo(a)").contains("unknown function"));
        assert!(err("date('2020-13-01') < a").contains("not a date"));
        assert!(err("a # b").contains("unexpected character '#'"));
        assert!(err("'open").contains("not closed"));
        assert!(err("").contains("empty"));
        assert!(err("30d > a").contains("after a number"));
        let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
        assert!(err(&deep).contains("nested"));
        let long = vec!["a"; 400].join(" + ");
        assert!(err(&format!("{long} > 0")).contains("nested"));
        let nots = format!("{} a", "not ".repeat(1000));
        assert!(err(&nots).contains("nested"));
    }

    #[test]
    fn type_errors_are_explained() {
        let kind_of = |name: &str| match name {
            "d" => Ok(Kind::Date),
            "s" => Ok(Kind::Text),
            "n" => Ok(Kind::Int),
            other => Err(format!("unknown column '{other}'")),
        };
        let err = |s: &str| compile(&parse(s).unwrap(), &kind_of).unwrap_err();
        assert!(err("d > 3").contains("cannot compare a date with an integer"));
        assert!(err("d > 'soon'").contains("not one"));
        assert!(err("s + 1 > 0").contains("cannot compute"));
        assert!(err("n + 1").contains("true or false"));
        assert!(err("x > 1").contains("unknown column 'x'"));
        assert!(err("n and s = 'a'").contains("joins conditions"));
        assert!(err("length(n) > 1").contains("needs text"));
    }
}
