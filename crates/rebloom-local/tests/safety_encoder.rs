//! The crisis assessment's encoder (multilingual-e5-small): a long message's
//! views are read on two threads and come back in order, the same vectors as
//! read one by one. Needs the model from `scripts/models.sh`; fails (never
//! skips) without it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[test]
fn views_on_two_threads_match_one_by_one_in_order() {
    let e = common::safety_encoder();
    let sentences = [
        "Work has been a lot lately and I keep putting off the laundry.",
        "My sister visited on Sunday, we cooked together and watched a film.",
        "Honestly I have been thinking that everyone would be better off without me.",
        "I don't know why I am telling you this.",
        "Tomorrow I have a dentist appointment at nine.",
    ];
    let long = sentences.join(" ").repeat(3);
    let views = e.views(&long).unwrap();
    assert!(views.len() > 2, "a long message is read whole and in parts");
    // The same texts embedded one at a time, in order.
    let whole = e.embed_many(&[long.as_str()]).unwrap();
    common::assert_close(&views[0], &whole[0], "the whole message");
    let many: Vec<&str> = sentences.to_vec();
    let together = e.embed_many(&many).unwrap();
    for (i, s) in sentences.iter().enumerate() {
        let alone = e.embed_many(&[s]).unwrap();
        common::assert_close(
            &together[i],
            &alone[0],
            &format!("sentence {i} beside others"),
        );
    }
    // A short message is one view.
    assert_eq!(e.views("I'm fine, thanks").unwrap().len(), 1);
    assert!(e.embed_many(&[]).unwrap().is_empty());
}
