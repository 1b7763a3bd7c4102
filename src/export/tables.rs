//! The CSV files of a run directory.

use std::fmt::Write;

use crate::metrics::ConfusionMatrix;
use crate::train::EpochReport;

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

/// `epochs.csv`: one row per finished epoch; validation cells empty without a validation split.
pub fn epochs_csv(history: &[EpochReport]) -> String {
    let mut s = String::from("epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,train_seconds\n");
    for e in history {
        let _ = writeln!(
            s,
            "{},{:.6},{:.6},{},{},{:.6},{:.6},{:.3}",
            e.epoch,
            e.train_loss,
            e.train_accuracy,
            opt(e.val_loss),
            opt(e.val_accuracy),
            e.test_loss,
            e.test_accuracy,
            e.train_seconds
        );
    }
    s
}

/// `predictions.csv`: every test image in file order with its label and the network's answer.
pub fn predictions_csv(labels: &[u8], predicted: &[u8]) -> String {
    let mut s = String::with_capacity(labels.len() * 10 + 32);
    s.push_str("index,label,predicted\n");
    for (i, (l, p)) in labels.iter().zip(predicted).enumerate() {
        let _ = writeln!(s, "{i},{l},{p}");
    }
    s
}

/// `confusion.csv`: labelled rows (predicted) and columns (actual), with totals.
pub fn confusion_csv(m: &ConfusionMatrix) -> String {
    let n = m.classes();
    let mut s = String::from("predicted \\ actual");
    for a in 0..n {
        let _ = write!(s, ",actual_{a}");
    }
    s.push_str(",total_predicted\n");
    for p in 0..n {
        let _ = write!(s, "predicted_{p}");
        for a in 0..n {
            let _ = write!(s, ",{}", m.get(p, a));
        }
        let _ = writeln!(s, ",{}", m.row_sum(p));
    }
    s.push_str("total_actual");
    for a in 0..n {
        let _ = write!(s, ",{}", m.col_sum(a));
    }
    let _ = writeln!(s, ",{}", m.total());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_csv_is_labelled_in_lab_orientation() {
        let m = ConfusionMatrix::new(2, &[0, 1, 1], &[0, 0, 1]);
        let csv = confusion_csv(&m);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "predicted \\ actual,actual_0,actual_1,total_predicted");
        assert_eq!(lines[1], "predicted_0,1,1,2");
        assert_eq!(lines[2], "predicted_1,0,1,1");
        assert_eq!(lines[3], "total_actual,1,2,3");
    }

    #[test]
    fn epochs_csv_leaves_validation_empty_without_split() {
        let e = EpochReport {
            epoch: 1,
            train_loss: 0.5,
            train_accuracy: 0.9,
            val_loss: None,
            val_accuracy: None,
            test_loss: 0.4,
            test_accuracy: 0.91,
            train_seconds: 1.25,
            eval_seconds: 0.1,
        };
        assert_eq!(epochs_csv(&[e]).lines().nth(1).unwrap(), "1,0.500000,0.900000,,,0.400000,0.910000,1.250");
    }
}
