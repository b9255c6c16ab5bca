//! Weight files: the round trip, refusal of truncated, foreign and non-finite files, files of
//! the first format version, and the data set a file records.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::data::DatasetTag;
use aestudio::model::{Architecture, AutoencoderConfig, Likelihood, Objective};
use aestudio::nn::noise::Corruption;
use aestudio::model::weights;

mod common;
use common::{mnist, values};

#[test]
fn weights_round_trip_and_refuse_bad_files() {
    let device = cpu_device();
    let config = AutoencoderConfig::new(8).with_architecture(Architecture::Mlp { hidden: vec![64] })
        .with_likelihood(Likelihood::Gaussian).with_corruption(Corruption::Masking { keep_probability: 0.5 });
    let model = config.init(&device).unwrap();
    let bytes = pollster::block_on(weights::save(&model, "made by a test")).unwrap();
    let loaded = weights::load(&bytes, &device).unwrap();
    assert_eq!(loaded.model.config(), &config);
    assert_eq!(loaded.provenance, "made by a test");
    let input = mnist().test.batch(&[0, 1, 2], &device);
    assert_eq!(values(model.reconstruct(input.clone())), values(loaded.model.reconstruct(input)));

    // Any safetensors reader sees plain f32 tensors in burn's layout: a linear weight is [in, out].
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let first = file.tensor("encoder.Mlp.layers.0.weight").unwrap();
    assert_eq!((first.dtype(), first.shape()), (safetensors::Dtype::F32, &[784usize, 64][..]));
    assert_eq!(file.names().len(), 8, "4 linear layers, a weight and a bias each");

    let refuse = |bytes: &[u8], needle: &str| {
        let err = weights::load(bytes, &device).err().expect("refused").to_string();
        assert!(err.contains(needle), "expected '{needle}' in: {err}");
    };
    refuse(b"not a weight file at all", "not a safetensors file");
    refuse(&bytes[..bytes.len() / 2], "truncated");
    refuse(&bytes[..20], "truncated");
    let rewrite = |from: &str, to: &str| {
        let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
        assert!(header.contains(from), "{from} is in the header");
        let header = header.replacen(from, to, 1);
        [&(header.len() as u64).to_le_bytes()[..], header.as_bytes(), &bytes[8 + header_len..]].concat()
    };
    refuse(&rewrite("\"format_version\":\"2\"", "\"format_version\":\"9\""), "version 9");
    refuse(&rewrite("\"format\":\"aestudio\"", "\"format\":\"pytorch!\""), "not an aestudio model");
    // The configuration is a JSON string inside the JSON header, hence the escaped quotes.
    refuse(&rewrite(r#"\"code_size\":8"#, r#"\"code_size\":0"#), "code size must be between");
    refuse(&rewrite(r#"\"code_size\":8"#, r#"\"code_size\":9"#), "has shape [8, 64], but a");
    refuse(&rewrite("\"F32\"", "\"I32\""), "only F32 and F16");
    refuse(&rewrite("layers.0.weight", "layers.7.weight"), "does not belong");
    // A model whose file would be a gigabyte is refused for the missing bytes, not by running out of memory.
    refuse(&rewrite(r#"\"hidden\":[64]"#, r#"\"hidden\":[9999,9999,9999]"#), "has shape");
}

/// `bytes` with the first `from` of its JSON header replaced by `to` (the header's length kept right).
fn rewrite_header(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    assert!(header.contains(from), "{from} is in the header");
    let header = header.replacen(from, to, 1);
    [&(header.len() as u64).to_le_bytes()[..], header.as_bytes(), &bytes[8 + header_len..]].concat()
}

#[test]
fn version_one_weight_files_load_with_their_objective() {
    let device = cpu_device();
    // A version-1 file stored a VAE as `variational` and `beta` fields, not as an objective.
    let config = AutoencoderConfig::new(4).with_architecture(Architecture::Mlp { hidden: vec![8] }).with_objective(Objective::Variational { beta: 1.0 });
    let bytes = pollster::block_on(weights::save(&config.init(&device).unwrap(), "test")).unwrap();
    let version_one = rewrite_header(&rewrite_header(&bytes, r#"\"objective\":{\"kind\":\"variational\",\"beta\":1.0}"#, r#"\"variational\":true,\"beta\":1.0"#), "\"format_version\":\"2\"", "\"format_version\":\"1\"");
    let vae = weights::load(&version_one, &device).unwrap().model;
    assert_eq!(vae.config().objective, Objective::Variational { beta: 1.0 });
    assert!(vae.config().objective.has_prior());
    assert_eq!(weights::load(&version_one, &device).unwrap().dataset, None, "a version-1 file records no data set");
    // A version-1 configuration with a regularizer becomes the objective of the same name.
    let legacy = r#"{"code_size":64,"architecture":{"kind":"mlp","hidden":[]},"activation":"relu","likelihood":"bernoulli",
        "corruption":{"kind":"none"},"variational":false,"beta":1.0,"code_activation":"sigmoid",
        "regularizer":{"kind":"sparse_kl","rho":0.05,"lambda":0.1}}"#;
    let config = AutoencoderConfig::from_json(legacy).unwrap();
    assert_eq!(config.objective, Objective::SparseKl { rho: 0.05, lambda: 0.1 });
}

#[test]
fn a_weight_file_records_the_data_set_it_learned() {
    let device = cpu_device();
    let mnist_tag = DatasetTag::of("mnist", &mnist().test);
    // The MD5 of the 10,000 test images' pixels then labels (the IDX files past their headers),
    // computed with Python's hashlib: `md5(images[16:] + labels[8:]).hexdigest()[:16]`.
    assert_eq!(mnist_tag.test_fingerprint, "a9c5e64a683c5dd2");
    assert_eq!(mnist_tag.shape, [1, 28, 28]);
    let model = AutoencoderConfig::new(4).with_architecture(Architecture::Mlp { hidden: vec![8] }).init(&device).unwrap();
    let bytes = pollster::block_on(weights::save_with_dataset(&model, "test", Some(&mnist_tag))).unwrap();
    assert_eq!(weights::read_header(&bytes).unwrap().dataset.as_ref(), Some(&mnist_tag));
    assert_eq!(weights::load(&bytes, &device).unwrap().dataset.as_ref(), Some(&mnist_tag));
    let untagged = pollster::block_on(weights::save(&model, "test")).unwrap();
    assert_eq!(weights::load(&untagged, &device).unwrap().dataset, None);

    // Another data set, or another test split of the same name, is told apart.
    let fashion = DatasetTag { name: "fashion-mnist".into(), ..mnist_tag.clone() };
    let err = mnist_tag.check_same(&fashion, "this model").unwrap_err().to_string();
    assert!(err.contains("this model learned mnist, not fashion-mnist"), "{err}");
    let fewer = DatasetTag::of("mnist", &mnist().test.take(9_999));
    let err = mnist_tag.check_same(&fewer, "this model").unwrap_err().to_string();
    assert!(err.contains("another copy of mnist") && err.contains("a9c5e64a683c5dd2"), "{err}");
    assert!(mnist_tag.check_same(&mnist_tag.clone(), "this model").is_ok());
    let broken = rewrite_header(&bytes, r#"\"shape\":[1,28,28]"#, r#"\"shape\":[1,28]"#);
    assert!(weights::load(&broken, &device).unwrap_err().to_string().contains("recorded data set is not valid"));
}

#[test]
fn a_weight_file_holding_a_nan_is_refused_with_the_tensor_name() {
    let device = cpu_device();
    let model = AutoencoderConfig::new(4).with_architecture(Architecture::Mlp { hidden: vec![8] }).init(&device).unwrap();
    let mut bytes = pollster::block_on(weights::save(&model, "test")).unwrap();
    // The last four bytes are the last value of the last tensor in the file's data.
    let end = bytes.len();
    bytes[end - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
    let err = weights::load(&bytes, &device).unwrap_err().to_string();
    assert!(err.contains("holds NaN") && err.contains("every weight must be a finite number"), "{err}");
    assert!(err.contains("tensor '"), "the error names the tensor: {err}");
}
