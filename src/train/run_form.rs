//! The page's training form as the core reads and fills it. The form holds every setting as the
//! text of a field (`code_size`, `widths`, `noise_level`, one field per numeric setting of an
//! objective…); what it has no field for comes from the preset it started from (a prior) or
//! from the objective (its critic). So the page needs no copy of a configuration's layout: it
//! shows fields and sends them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{AeError, AeResult};
use crate::model::{Architecture, AutoencoderConfig, Objective, Preset};
use crate::nn::noise::Corruption;
use crate::train::TrainingConfig;

/// The form's fields by name, each as the text its input holds.
pub type FormFields = BTreeMap<String, String>;

/// Steps between two loss readbacks of a run started from the page.
const PAGE_READBACK_EVERY: usize = 20;

/// Preset `preset`'s model as the form shows it; the training fields (learning rate, batch size,
/// epochs) are the visitor's, kept from one preset to the next.
pub fn preset_fields(preset: Preset) -> FormFields {
    let config = preset.config();
    let mut fields = FormFields::new();
    let mut set = |name: &str, value: String| fields.insert(name.to_string(), value);
    set("preset", preset.name().to_string());
    set("code_size", config.code_size.to_string());
    let (kind, widths) = match &config.architecture {
        Architecture::Mlp { hidden } => ("mlp", hidden.clone()),
        Architecture::Conv { channels } | Architecture::PixelCnn { channels, .. } => ("conv", channels.to_vec()),
    };
    set("architecture", kind.to_string());
    set("widths", widths.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "));
    set("activation", name_of(&config.activation));
    set("likelihood", name_of(&config.likelihood));
    set("code_activation", config.code_activation.as_ref().map_or("none".to_string(), name_of));
    let (noise, level) = match config.corruption {
        Corruption::None => ("none", 0.5),
        Corruption::Gaussian { sigma } => ("gaussian", sigma),
        Corruption::Masking { keep_probability } => ("masking", keep_probability),
    };
    set("noise", noise.to_string());
    set("noise_level", level.to_string());
    let objective = object_of(&config.objective);
    for (setting, value) in &objective {
        match (setting.as_str(), value) {
            ("kind", Value::String(kind)) => set("objective", kind.clone()),
            (_, Value::Number(number)) => set(setting, number.to_string()),
            _ => None, // a prior: no field
        };
    }
    fields
}

/// The run `fields` describe, or the first field that is wrong and why. Numeric settings of the
/// objective come from their fields; a prior from the preset in `preset` when its objective is of
/// the same kind, else the kind's default; the critic is the objective's default (every preset's).
pub fn run_from_form(fields: &FormFields) -> AeResult<(AutoencoderConfig, TrainingConfig)> {
    let form = Form(fields);
    let preset = Preset::from_name(form.text("preset")?)?.config();
    let widths: Vec<usize> = form.text("widths")?.split(',').map(str::trim).filter(|w| !w.is_empty()).map(|w| w.parse::<usize>())
        .collect::<Result<_, _>>().map_err(|_| invalid("widths must be whole numbers separated by commas"))?;
    let architecture = match form.text("architecture")? {
        "conv" => Architecture::Conv {
            channels: widths.try_into().map_err(|_| invalid("a convolutional model takes exactly two channel counts, like 16, 32"))?,
        },
        // Blank widths make a dense model with no hidden layer (one linear map each way).
        _ => Architecture::Mlp { hidden: widths },
    };
    let corruption = match form.text("noise")? {
        "gaussian" => Corruption::Gaussian { sigma: form.number("noise_level")? },
        "masking" => Corruption::Masking { keep_probability: form.number("noise_level")? },
        _ => Corruption::None,
    };
    let objective = form_objective(&form, &preset.objective)?;
    let code_activation = match form.text("code_activation")? {
        "none" => None,
        name => Some(form.named("code_activation", name)?),
    };
    let model = AutoencoderConfig::new(form.whole("code_size")?)
        .with_architecture(architecture)
        .with_activation(form.named("activation", form.text("activation")?)?)
        .with_likelihood(form.named("likelihood", form.text("likelihood")?)?)
        .with_corruption(corruption)
        .with_objective(objective)
        .with_code_activation(code_activation)
        .with_critic(objective.default_critic());
    let training = TrainingConfig::new()
        .with_learning_rate(form.number("learning_rate")?)
        .with_batch_size(form.whole("batch_size")?)
        .with_epochs(form.whole("epochs")?)
        .with_readback_every(PAGE_READBACK_EVERY);
    Ok((model, training))
}

/// The objective of kind `objective`, its numbers from their fields and anything else (a prior)
/// from `preset`'s objective if of that kind, else from the kind's default.
fn form_objective(form: &Form, preset: &Objective) -> AeResult<Objective> {
    let kind = form.text("objective")?;
    let default = Objective::CHOICES.iter().find(|choice| object_of(*choice)["kind"] == kind)
        .ok_or_else(|| invalid(format!("there is no objective {kind:?}")))?;
    let mut objective = object_of(if object_of(preset)["kind"] == kind { preset } else { default });
    for (setting, value) in objective.iter_mut() {
        if value.is_number() {
            // A numeric setting without a field is refused, never trained without.
            *value = serde_json::json!(form.number(setting)?);
        }
    }
    serde_json::from_value(Value::Object(objective)).map_err(|err| invalid(format!("objective: {err}")))
}

/// The fields, read with errors that name the field.
struct Form<'a>(&'a FormFields);

impl Form<'_> {
    fn text(&self, name: &str) -> AeResult<&str> {
        self.0.get(name).map(String::as_str).ok_or_else(|| invalid(format!("the form has no field {name}")))
    }

    fn number(&self, name: &str) -> AeResult<f64> {
        let text = self.text(name)?.trim();
        text.parse::<f64>().ok().filter(|value| value.is_finite()).ok_or_else(|| invalid(format!("{} must be a number", words(name))))
    }

    fn whole(&self, name: &str) -> AeResult<usize> {
        let value = self.number(name)?;
        if value.fract() != 0.0 || value < 0.0 || value > usize::MAX as f64 {
            return Err(invalid(format!("{} must be a whole number", words(name))));
        }
        Ok(value as usize)
    }

    /// A choice among an enum's serde names.
    fn named<T: DeserializeOwned>(&self, field: &str, name: &str) -> AeResult<T> {
        serde_json::from_value(Value::String(name.to_string())).map_err(|_| invalid(format!("{} {name:?} is not one of the choices", words(field))))
    }
}

/// `code_size` as a sentence says it: "code size".
fn words(name: &str) -> String {
    name.replace('_', " ")
}

fn invalid(message: impl Into<String>) -> AeError {
    AeError::InvalidConfig(message.into())
}

fn object_of(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn name_of(value: &impl Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
