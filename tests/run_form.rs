//! The Train form as the core reads and fills it (`train::run_form`), and each objective's
//! account (`Objective::account`) that the page shows beside it.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::model::{Architecture, CriticConfig, Objective, Preset, Prior};
use aestudio::nn::noise::Corruption;
use aestudio::train::TrainingConfig;
use aestudio::train::run_form::{FormFields, preset_fields, run_from_form};

/// A preset's fields, with the training fields as the page starts with them, then `changes`.
fn fields_of(preset: Preset, changes: &[(&str, &str)]) -> FormFields {
    let mut fields = preset_fields(preset);
    for (name, value) in [("learning_rate", "0.001"), ("batch_size", "128"), ("epochs", "10")] {
        fields.insert(name.to_string(), value.to_string());
    }
    for (name, value) in changes {
        fields.insert(name.to_string(), value.to_string());
    }
    fields
}

fn refusal(fields: &FormFields) -> String {
    run_from_form(fields).unwrap_err().to_string()
}

#[test]
fn every_presets_fields_read_back_to_the_preset() {
    for preset in Preset::ALL.into_iter().filter(|preset| preset.offered_in_page()) {
        let (model, training) = run_from_form(&fields_of(preset, &[])).unwrap_or_else(|err| panic!("{preset:?}: {err}"));
        assert_eq!(model, preset.config(), "{preset:?}");
        assert_eq!(training, TrainingConfig::new().with_readback_every(20));
    }
}

#[test]
fn the_fields_set_what_they_name() {
    let fields = fields_of(Preset::Ae, &[
        ("code_size", "8"), ("widths", " 256, 64 "), ("noise", "masking"), ("noise_level", "0.75"),
        ("learning_rate", "3e-4"), ("batch_size", "64"), ("epochs", "2"), ("code_activation", "sigmoid"),
    ]);
    let (model, training) = run_from_form(&fields).unwrap();
    assert_eq!((model.code_size, &model.architecture), (8, &Architecture::Mlp { hidden: vec![256, 64] }));
    assert_eq!(model.corruption, Corruption::Masking { keep_probability: 0.75 });
    assert_eq!((training.learning_rate, training.batch_size, training.epochs), (3e-4, 64, 2));
    // Blank widths: one linear map each way.
    let (linear, _) = run_from_form(&fields_of(Preset::Ae, &[("widths", "")])).unwrap();
    assert_eq!(linear.architecture, Architecture::Mlp { hidden: vec![] });
    let (conv, _) = run_from_form(&fields_of(Preset::Ae, &[("architecture", "conv"), ("widths", "16, 32")])).unwrap();
    assert_eq!(conv.architecture, Architecture::Conv { channels: [16, 32] });
}

#[test]
fn what_the_form_has_no_field_for_comes_from_the_preset_or_the_default() {
    // The ring AAE's prior and critic stay with its objective's new weight.
    let (ring, _) = run_from_form(&fields_of(Preset::AaeRing, &[("weight", "0.2")])).unwrap();
    let Objective::Adversarial { weight, prior } = ring.objective else { panic!("{:?}", ring.objective) };
    assert_eq!((weight, prior), (0.2, match Preset::AaeRing.config().objective { Objective::Adversarial { prior, .. } => prior, _ => unreachable!() }));
    assert_ne!(prior, Prior::default());
    // A VAE's form turned adversarial takes the kind's default prior and critic.
    let (switched, _) = run_from_form(&fields_of(Preset::Vae, &[("objective", "adversarial"), ("weight", "0.05")])).unwrap();
    assert_eq!(switched.objective, Objective::Adversarial { weight: 0.05, prior: Prior::default() });
    assert_eq!(switched.critic, Some(CriticConfig::default()));
    // An AAE's form turned into a VAE drops the critic.
    let (vae, _) = run_from_form(&fields_of(Preset::Aae, &[("objective", "variational"), ("beta", "4")])).unwrap();
    assert_eq!((vae.objective, vae.critic), (Objective::Variational { beta: 4.0 }, None));
}

#[test]
fn a_wrong_field_is_refused_with_its_name() {
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("code_size", "2.5")], "code size must be a whole number"),
        (&[("learning_rate", " ")], "learning rate must be a number"),
        (&[("beta", "inf")], "beta must be a number"),
        (&[("widths", "400, x")], "widths must be whole numbers separated by commas"),
        (&[("architecture", "conv"), ("widths", "16, 32, 64")], "exactly two channel counts"),
        (&[("activation", "swish")], "activation \"swish\" is not one of the choices"),
        (&[("objective", "magic")], "there is no objective \"magic\""),
    ];
    for (changes, expected) in cases {
        let message = refusal(&fields_of(Preset::Vae, changes));
        assert!(message.contains(expected), "{changes:?}: {message}");
    }
    // A numeric setting with no field is refused, never trained without.
    let mut fields = fields_of(Preset::Vae, &[("objective", "sparse_l1")]);
    fields.remove("lambda");
    assert!(refusal(&fields).contains("the form has no field lambda"));
}

#[test]
fn every_objective_has_an_account_whose_braces_balance() {
    for objective in Objective::CHOICES.iter().chain([&Preset::AaeClusters.config().objective]) {
        let account = objective.account();
        assert!(account.idea.len() > 40, "{objective:?}");
        let depth = account.tex.chars().try_fold(0i32, |depth, c| {
            let depth = depth + match c { '{' => 1, '}' => -1, _ => 0 };
            (depth >= 0).then_some(depth)
        });
        assert_eq!(depth, Some(0), "{objective:?}: {}", account.tex);
    }
    // The clustering AAE trained with views adds their consistency term.
    let views = Objective::Adversarial { weight: 1.0, prior: Prior::Clusters { clusters: 16, consistency: 1.0 } };
    assert!(views.account().tex.contains(r"\mathrm{even}") && !Preset::Aae.config().objective.account().tex.contains("even"));
}
