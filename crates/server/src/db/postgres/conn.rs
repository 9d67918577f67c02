//! A connection of the store and the statements it prepared: each SQL text is parsed and
//! planned once per connection, then only bound and run (one round trip, no planning).

use std::cell::RefCell;
use std::collections::HashMap;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error, Row, Statement, Transaction};

/// Statements a connection keeps before it starts over (the archive's searches make a new
/// text for each combination of conditions).
const STATEMENTS_KEPT: usize = 512;

/// An open connection and its prepared statements.
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) statements: RefCell<HashMap<String, Statement>>,
}

impl Conn {
    pub(super) fn new(client: Client) -> Conn {
        Conn { client, statements: RefCell::default() }
    }
}

enum On<'a> {
    Client(&'a Client),
    Transaction(&'a Transaction<'a>),
}

/// What the SQL of the store's modules runs on: a connection, or a transaction on it.
pub(super) struct Db<'a> {
    on: On<'a>,
    statements: &'a RefCell<HashMap<String, Statement>>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl<'a> Db<'a> {
    pub(super) fn client(conn: &'a Conn) -> Db<'a> {
        Db { on: On::Client(&conn.client), statements: &conn.statements }
    }

    pub(super) fn transaction(tx: &'a Transaction<'a>, statements: &'a RefCell<HashMap<String, Statement>>) -> Db<'a> {
        Db { on: On::Transaction(tx), statements }
    }

    async fn statement(&self, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = match self.on {
            On::Client(client) => client.prepare(sql).await?,
            On::Transaction(tx) => tx.prepare(sql).await?,
        };
        let mut statements = self.statements.borrow_mut();
        if statements.len() >= STATEMENTS_KEPT {
            statements.clear();
        }
        statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Runs `sql`; the number of rows it changed.
    pub(super) async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        let statement = self.statement(sql).await?;
        match self.on {
            On::Client(client) => client.execute(&statement, params).await,
            On::Transaction(tx) => tx.execute(&statement, params).await,
        }
    }

    pub(super) async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        let statement = self.statement(sql).await?;
        match self.on {
            On::Client(client) => client.query(&statement, params).await,
            On::Transaction(tx) => tx.query(&statement, params).await,
        }
    }

    /// The one row `sql` returns; an error for none or more.
    pub(super) async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
        let statement = self.statement(sql).await?;
        match self.on {
            On::Client(client) => client.query_one(&statement, params).await,
            On::Transaction(tx) => tx.query_one(&statement, params).await,
        }
    }

    /// The row `sql` returns, if any; an error for more than one.
    pub(super) async fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error> {
        let statement = self.statement(sql).await?;
        match self.on {
            On::Client(client) => client.query_opt(&statement, params).await,
            On::Transaction(tx) => tx.query_opt(&statement, params).await,
        }
    }

    /// Runs statements without parameters, unprepared.
    pub(super) async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        match self.on {
            On::Client(client) => client.batch_execute(sql).await,
            On::Transaction(tx) => tx.batch_execute(sql).await,
        }
    }
}
