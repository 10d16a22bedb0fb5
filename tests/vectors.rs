//! Known-answer tests for the HMAC-SHA256 under the verifier: RFC 4231 and Wycheproof.
//! Runs natively and compiled to wasm32.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use kunog::signature::{SigningKey, TAG_LEN};

struct Rfc4231 {
    case: u8,
    key: Vec<u8>,
    data: Vec<u8>,
    /// Full tag, or the 128-bit prefix the RFC gives for case 5.
    tag: &'static str,
}

fn rfc4231() -> Vec<Rfc4231> {
    vec![
        Rfc4231 { case: 1, key: vec![0x0b; 20], data: b"Hi There".to_vec(), tag: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        Rfc4231 { case: 2, key: b"Jefe".to_vec(), data: b"what do ya want for nothing?".to_vec(), tag: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        Rfc4231 { case: 3, key: vec![0xaa; 20], data: vec![0xdd; 50], tag: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
        Rfc4231 { case: 4, key: (1..=25).collect(), data: vec![0xcd; 50], tag: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
        Rfc4231 { case: 5, key: vec![0x0c; 20], data: b"Test With Truncation".to_vec(), tag: "a3b6167473100ee06e0c796c2955552b" },
        Rfc4231 { case: 6, key: vec![0xaa; 131], data: b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(), tag: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
        Rfc4231 {
            case: 7,
            key: vec![0xaa; 131],
            data: b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
            tag: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        },
    ]
}

#[test]
fn rfc4231_hmac_sha256() {
    for v in rfc4231() {
        let key = SigningKey::new(&v.key);
        let expected = hex::decode(v.tag).unwrap();
        let tag = key.tag(&[&v.data]);
        assert_eq!(&tag[..expected.len()], &expected[..], "RFC 4231 case {}", v.case);
        if expected.len() == TAG_LEN {
            assert!(key.verify(&[&v.data], &expected), "case {}", v.case);
            // The same message split anywhere gives the same tag.
            for split in [0, 1, v.data.len() / 2, v.data.len()] {
                let (a, b) = v.data.split_at(split);
                assert!(key.verify(&[a, b], &expected), "case {} split at {split}", v.case);
            }
        } else {
            // Case 5's published tag is truncated to 128 bits: a truncated tag is refused.
            assert!(!key.verify(&[&v.data], &expected), "case {}: truncated tag accepted", v.case);
        }
    }
}

#[test]
fn wycheproof_hmac_sha256() {
    use wycheproof::mac::{TestName, TestSet};
    use wycheproof::TestResult;

    let set = TestSet::load(TestName::HmacSha256).unwrap();
    let (mut full, mut truncated) = (0, 0);
    for group in &set.test_groups {
        for test in &group.tests {
            let key = SigningKey::new(&test.key);
            let accepted = key.verify(&[&test.msg], &test.tag);
            let wycheproof_valid = test.result == TestResult::Valid;
            if group.tag_size == TAG_LEN * 8 {
                full += 1;
                assert_eq!(accepted, wycheproof_valid, "tcId {} ({})", test.tc_id, test.comment);
            } else {
                truncated += 1;
                // Wycheproof may call a truncated tag valid; this verifier never accepts one.
                assert!(!accepted, "tcId {}: {}-bit tag accepted", test.tc_id, group.tag_size);
            }
            if wycheproof_valid {
                let tag = key.tag(&[&test.msg]);
                assert_eq!(&tag[..test.tag.len()], &test.tag[..], "tcId {}", test.tc_id);
            }
        }
    }
    assert!(full > 50 && truncated > 50, "only {full} full and {truncated} truncated vectors ran");
}
