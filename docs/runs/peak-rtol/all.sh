cd "$(dirname "$0")"
run() { for m in $1; do for f in onnx openvino litert; do
  case "$m-$f" in ConvNeXtTiny-onnx|EfficientNetB0-onnx|EfficientNetV2B0-onnx) continue;; esac
  TF_CPP_MIN_LOG_LEVEL=3 timeout 400 /work/main/.venv/bin/python scale_probe.py $m $f 128 2>&1 | grep "input x" || echo "$m $f: no result"
done; done; }
run "ConvNeXtTiny DenseNet121 EfficientNetB0 EfficientNetV2B0 InceptionV3 MobileNet MobileNetV2" > a.log &
run "MobileNetV3Large NASNetMobile ResNet50 ResNet50V2 VGG16 Xception InceptionResNetV2" > b.log &
wait
