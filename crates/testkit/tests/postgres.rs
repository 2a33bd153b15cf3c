use postgres::{Client, NoTls};
use rollcall_testkit::{fresh_database_url, shared, TempPostgres};

fn table_exists(client: &mut Client, name: &str) -> bool {
    let row = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
        .unwrap();
    row.get(0)
}

#[test]
fn databases_are_isolated() {
    let first_url = fresh_database_url();
    let second_url = fresh_database_url();
    assert_ne!(first_url, second_url);
    assert!(first_url.starts_with(&format!(
        "postgres://postgres@127.0.0.1:{}/",
        shared().port()
    )));

    let mut first = Client::connect(&first_url, NoTls).unwrap();
    let mut second = Client::connect(&second_url, NoTls).unwrap();
    first
        .batch_execute("CREATE TABLE pupils (id int PRIMARY KEY); INSERT INTO pupils VALUES (1)")
        .unwrap();

    assert!(table_exists(&mut first, "pupils"));
    assert!(!table_exists(&mut second, "pupils"));
    let count: i64 = first
        .query_one("SELECT count(*) FROM pupils", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
}

#[test]
fn shared_server_has_the_expected_settings() {
    let mut client = Client::connect(&shared().url(), NoTls).unwrap();
    let row = client
        .query_one(
            "SELECT current_database(), current_setting('fsync'), \
             current_setting('server_encoding'), current_setting('lc_collate')",
            &[],
        )
        .unwrap();
    let values: (String, String, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(
        values,
        ("rollcall".into(), "off".into(), "UTF8".into(), "C".into())
    );
}

#[test]
fn creating_an_existing_database_fails() {
    let pg = shared();
    pg.create_database("twice").unwrap();
    let err = pg.create_database("twice").unwrap_err();
    assert!(format!("{err:#}").contains("already exists"), "{err:#}");
    assert!(pg.create_database("bad name").is_err());
}

#[test]
fn dropping_stops_the_server_and_removes_its_folder() {
    let pg = TempPostgres::start().unwrap();
    let url = pg.url();
    let dir = pg.dir().to_path_buf();
    Client::connect(&url, NoTls)
        .unwrap()
        .batch_execute("SELECT 1")
        .unwrap();
    assert!(dir.join("data").join("PG_VERSION").exists());

    drop(pg);
    assert!(!dir.exists(), "{} is still there", dir.display());
    assert!(Client::connect(&url, NoTls).is_err());
}
