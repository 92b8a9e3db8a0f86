//! Tests of the child-process runner (docs/contract.md §8).

use super::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn argv_is_not_a_shell_and_env_is_cleared() {
    rt().block_on(async {
        let out = CommandSpec::new("/bin/echo")
            .arg("$(id); `id`")
            .run_ok(Instant::now() + Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(out.stdout, "$(id); `id`\n");
        let out = CommandSpec::new("/usr/bin/env")
            .env("PGPORT", "5999")
            .run_ok(Instant::now() + Duration::from_secs(5))
            .await
            .unwrap();
        let mut lines: Vec<&str> = out.stdout.lines().collect();
        lines.sort();
        assert_eq!(
            lines,
            vec![
                "LC_ALL=C",
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "PGPORT=5999"
            ]
        );
    });
}

#[test]
fn deadline_kills_the_child() {
    rt().block_on(async {
        let t0 = Instant::now();
        let err = CommandSpec::new("/bin/sleep")
            .arg("30")
            .run(Instant::now() + Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(matches!(err, ExecError::TimedOut { .. }), "{err}");
        assert!(t0.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn timeout_kills_the_whole_group_and_nothing_starts_past_the_deadline() {
    rt().block_on(async {
        let dir = std::env::temp_dir().join(format!("pgsql-ra-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mark = dir.join("grandchild-lived");
        // the shell's child outlives the shell unless the whole group is killed
        let script = format!("(sleep 2; touch {}) & wait", mark.display());
        let err = CommandSpec::new("/bin/sh")
            .args(["-c", &script])
            .run(Instant::now() + Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(matches!(err, ExecError::TimedOut { .. }), "{err}");
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!mark.exists(), "the grandchild survived the timeout");
        let err = CommandSpec::new("/bin/true")
            .run(Instant::now() - Duration::from_millis(1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ExecError::TimedOut { after, .. } if after.is_zero()),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    });
}

#[test]
fn failure_carries_stderr() {
    rt().block_on(async {
        let err = CommandSpec::new("/bin/ls")
            .arg("/nonexistent-dir-for-test")
            .run_ok(Instant::now() + Duration::from_secs(5))
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("/bin/ls failed") && msg.contains("nonexistent"),
            "{msg}"
        );
        let err = CommandSpec::new("/nonexistent/prog")
            .run(Instant::now() + Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(err, ExecError::Spawn { .. }));
    });
}

#[test]
fn drops_to_the_named_user() {
    if !Uid::effective().is_root() {
        panic!("this test needs root (CI runs as root): run cargo test as root");
    }
    let nobody = RunAs::lookup("nobody").expect("user nobody");
    rt().block_on(async {
        let out = CommandSpec::new("/usr/bin/id")
            .run_as(Some(&nobody))
            .run_ok(Instant::now() + Duration::from_secs(5))
            .await
            .unwrap();
        assert!(
            out.stdout
                .starts_with(&format!("uid={}(nobody)", nobody.uid)),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("groups=0(root)"));
    });
}
