//! `rollcall serve --config FILE`: a configuration file that cannot be used stops the server
//! before it starts, saying what is wrong, so that nobody believes messages will go out.

mod common;

use common::{Backend, Db};

#[test]
fn a_configuration_file_that_cannot_be_used_is_refused_with_the_reason() {
    let db = Db::new(Backend::Sqlite);
    db.ok(&["init"]);
    let missing = db.dir.path().join("missing.toml").display().to_string();
    let port_zero = db.file(
        "port.toml",
        "[mail]\nhost = \"127.0.0.1\"\nport = 0\nsecurity = \"none\"\nfrom = \"office@northfield.example\"\n",
    );
    let plain_sms = db.file(
        "sms.toml",
        "[sms]\nurl = \"http://sms.gateway.example/v1\"\ntoken = \"t\"\nfrom = \"Northfield\"\n",
    );
    let typo = db.file("typo.toml", "[mial]\nhost = \"x\"\n");
    for (file, says) in [
        (&missing, "cannot read"),
        (&port_zero, "[mail]: bad settings: the port is 0"),
        (&plain_sms, "[sms]: "),
        (&typo, "mial"),
    ] {
        let err = db.fail(&["serve", "--listen", "127.0.0.1:0", "--config", file]);
        assert!(err.contains(says), "{file}: {err}");
    }
}
