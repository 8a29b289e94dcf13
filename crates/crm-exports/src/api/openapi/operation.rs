//! What the document says about one route and method: the operation's name, the scopes it
//! needs, its request body and its success answers, written as `const` values next to each
//! other in `operations.rs` so that a table reads like the router it describes.

/// Which scopes a caller's token needs, as the handler checks them with `Auth::require`.
#[derive(Clone, Copy, Debug)]
pub enum Scopes {
    /// No bearer token: the route is public or carries its own credential.
    Public,
    /// A token this server knows, whatever its scopes (the handler filters what it shows).
    AnyToken,
    /// Any one of these.
    Any(&'static [&'static str]),
    /// The read scope of the `{objectType}` named in the path.
    ObjectRead,
    /// The write scope of the `{objectType}` named in the path.
    ObjectWrite,
    /// The object's read scope or its schema read scope (property definitions).
    SchemaRead,
    /// The schema write scope of the `{objectType}` (properties, pipelines).
    SchemaWrite,
    /// A read scope of the `{from}` type and one of the `{to}` type, both (associations).
    PairRead,
    /// A write scope of the `{from}` type and a read scope of the `{to}` type, both.
    PairWrite,
}

/// A success answer's body.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    /// JSON of the named component schema.
    Json(&'static str),
    /// No body (204, 304).
    Empty,
    /// `text/plain`.
    Text,
    /// `application/yaml`.
    Yaml,
    /// A file: the export's bytes or a console asset.
    File,
}

/// One operation. `path` is written as in the router (`/{object_type}`), relative to the
/// prefix the router is nested under.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    /// The operation's name within its API; the document's `operationId` adds the method
    /// and the full path, so each family's copy is unique.
    pub name: &'static str,
    pub summary: &'static str,
    pub scopes: Scopes,
    /// The request body's component schema.
    pub body: Option<&'static str>,
    /// The usual success answer.
    pub reply: (u16, Reply),
    /// Further success answers (a batch's 207, a console file's 304).
    pub more: &'static [(u16, Reply)],
    /// Error statuses beyond those every operation of its kind can answer (see
    /// `document::error_statuses`).
    pub errors: &'static [u16],
    /// Query parameters that take text (typed ones come from `query_check`).
    pub query: &'static [&'static str],
    /// OpenAPI links from the usual answer: the name of an operation of the same table and
    /// the JSON pointer in this answer's body of the id it takes (its other path
    /// parameters are this request's), so a client or fuzzer can follow a create.
    pub links: &'static [(&'static str, &'static str)],
}

pub const GET: &str = "get";
pub const POST: &str = "post";
pub const PUT: &str = "put";
pub const PATCH: &str = "patch";
pub const DELETE: &str = "delete";

/// A public operation answering 200 with no body; the builders below say the rest.
pub const fn op(
    method: &'static str,
    path: &'static str,
    name: &'static str,
    summary: &'static str,
) -> Op {
    Op {
        method,
        path,
        name,
        summary,
        scopes: Scopes::Public,
        body: None,
        reply: (200, Reply::Empty),
        more: &[],
        errors: &[],
        query: &[],
        links: &[],
    }
}

impl Op {
    pub const fn scopes(mut self, scopes: Scopes) -> Self {
        self.scopes = scopes;
        self
    }

    pub const fn body(mut self, schema: &'static str) -> Self {
        self.body = Some(schema);
        self
    }

    /// The usual answer: `status` with JSON of `schema`.
    pub const fn json(mut self, status: u16, schema: &'static str) -> Self {
        self.reply = (status, Reply::Json(schema));
        self
    }

    pub const fn reply(mut self, status: u16, reply: Reply) -> Self {
        self.reply = (status, reply);
        self
    }

    /// 204 with no body.
    pub const fn no_content(self) -> Self {
        self.reply(204, Reply::Empty)
    }

    pub const fn more(mut self, more: &'static [(u16, Reply)]) -> Self {
        self.more = more;
        self
    }

    pub const fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }

    pub const fn query(mut self, names: &'static [&'static str]) -> Self {
        self.query = names;
        self
    }

    pub const fn links(mut self, links: &'static [(&'static str, &'static str)]) -> Self {
        self.links = links;
        self
    }
}
