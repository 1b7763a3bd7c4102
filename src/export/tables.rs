//! The CSV files of a run directory, written with the `csv` crate (quoting and line endings are its
//! business); the numbers are formatted here so the files read the same as they always have.

use crate::metrics::ConfusionMatrix;
use crate::train::neurons::NeuronAnalysis;
use crate::train::EpochReport;

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

/// Rows of text fields as CSV.
fn to_csv<I, R>(rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut w = csv::WriterBuilder::new().flexible(false).from_writer(Vec::new());
    for row in rows {
        // Writing into memory fails only on rows of different lengths, which these never are.
        w.write_record(row).expect("CSV rows of one length");
    }
    String::from_utf8(w.into_inner().expect("writing into memory")).expect("UTF-8 fields")
}

/// `epochs.csv`: one row per finished epoch; validation cells empty without a validation split.
pub fn epochs_csv(history: &[EpochReport]) -> String {
    let header = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy", "train_seconds"];
    let rows = history.iter().map(|e| {
        vec![
            e.epoch.to_string(),
            format!("{:.6}", e.train_loss),
            format!("{:.6}", e.train_accuracy),
            opt(e.val_loss),
            opt(e.val_accuracy),
            format!("{:.6}", e.test_loss),
            format!("{:.6}", e.test_accuracy),
            format!("{:.3}", e.train_seconds),
        ]
    });
    to_csv(std::iter::once(header.map(String::from).to_vec()).chain(rows))
}

/// `neurons.csv`: one row per first-layer unit (numbered from 0, as its picture's file): its preferred
/// class, selectivity, runner-up, the output class it feeds, its mean response per class, and the
/// test images (indices into the test set) that excite it most, space-separated.
pub fn neurons_csv(a: &NeuronAnalysis) -> String {
    let header: Vec<String> = ["neuron", "preferred_class", "selectivity", "runner_up_class", "feeds_class"]
        .into_iter()
        .map(String::from)
        .chain((0..a.classes).map(|c| format!("mean_class_{c}")))
        .chain(["top_test_images".to_string()])
        .collect();
    let rows = a.units.iter().map(|n| {
        [n.index, n.preferred]
            .map(|v| v.to_string())
            .into_iter()
            .chain([format!("{:.4}", n.selectivity), n.runner_up.to_string(), n.feeds.to_string()])
            .chain(n.class_means.iter().map(|m| format!("{m:.6}")))
            .chain([n.top_images.iter().map(usize::to_string).collect::<Vec<_>>().join(" ")])
            .collect::<Vec<_>>()
    });
    to_csv(std::iter::once(header).chain(rows))
}

/// `predictions.csv`: every test image in file order with its label and the network's answer.
pub fn predictions_csv(labels: &[u8], predicted: &[u8]) -> String {
    let header = vec!["index".to_string(), "label".into(), "predicted".into()];
    let rows = labels.iter().zip(predicted).enumerate().map(|(i, (l, p))| vec![i.to_string(), l.to_string(), p.to_string()]);
    to_csv(std::iter::once(header).chain(rows))
}

/// `confusion.csv`: labelled rows (predicted) and columns (actual), with totals.
pub fn confusion_csv(m: &ConfusionMatrix) -> String {
    let n = m.classes();
    let header = std::iter::once("predicted \\ actual".to_string())
        .chain((0..n).map(|a| format!("actual_{a}")))
        .chain(["total_predicted".to_string()])
        .collect::<Vec<_>>();
    let rows = (0..n).map(|p| {
        std::iter::once(format!("predicted_{p}"))
            .chain((0..n).map(|a| m.get(p, a).to_string()))
            .chain([m.row_sum(p).to_string()])
            .collect::<Vec<_>>()
    });
    let totals = std::iter::once("total_actual".to_string())
        .chain((0..n).map(|a| m.col_sum(a).to_string()))
        .chain([m.total().to_string()])
        .collect::<Vec<_>>();
    to_csv(std::iter::once(header).chain(rows).chain([totals]))
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
