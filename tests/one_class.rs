//! The two anomaly protocols tell apart what they should: a 1 is the easiest digit to
//! reconstruct, so held out of training it is no anomaly (AUROC below chance), while a model of
//! 1s alone flags every other digit.

mod common;

use aestudio::uses::anomaly::{Protocol, class_pca_auroc};
use common::mnist;

#[test]
fn one_class_and_held_out_protocols_swap_normal_and_anomalous() {
    let splits = mnist();
    let one_class = class_pca_auroc(splits, 1, Protocol::OneClass, 16).unwrap();
    let held_out = class_pca_auroc(splits, 1, Protocol::HeldOut, 16).unwrap();
    assert!(one_class > 0.95, "PCA of 1s alone flags the other digits: AUROC {one_class}");
    assert!(held_out < 0.5, "a 1 held out of nine digits is no anomaly: AUROC {held_out}");
    assert!(class_pca_auroc(splits, 10, Protocol::OneClass, 16).is_err(), "there is no class 10");
}
