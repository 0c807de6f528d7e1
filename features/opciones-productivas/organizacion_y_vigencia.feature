# language: es
@opciones_productivas
Característica: Opciones Productivas — quién puede solicitar y cuándo
  Apoya iniciativas productivas de organizaciones del sector social de la economía (OSSE)
  en México. Opera desde 2003, pero la fuente (004) da sus criterios solo para el programa
  fusionado de 2016 en adelante: antes de 2016 y después de 2018 no se puede determinar.

  Antecedentes:
    Dado un grupo en el municipio "Metlatónoc" de Guerrero
    Y la organización es OSSE
    Y la fecha es 2016-06-01
    Y el grupo tiene 5 integrantes

  Regla: El programa operaba en la fecha (in_force)

    Esquema del escenario: Una OSSE de Metlatónoc evaluada el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2002-12-31 | no vigente             | no cumple |
        | 2003-01-01 | no se puede determinar | cumple    |
        | 2015-12-31 | no se puede determinar | cumple    |
        | 2016-01-01 | elegible               | cumple    |
        | 2018-12-31 | elegible               | cumple    |
        | 2019-01-01 | no se puede determinar | cumple    |

  Regla: Es una organización del sector social de la economía (osse)

    Esquema del escenario: Un grupo con organización <organización> resulta «<resultado>»
      Dado la organización es <organización>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "osse" da "<criterio>"

      Ejemplos:
        | organización | resultado   | criterio  |
        | OSSE         | elegible    | cumple    |
        | informal     | no elegible | no cumple |
        | ninguna      | no elegible | no cumple |

  Regla: El grupo está en México (in_mexico)

    Escenario: Opciones Productivas no aplica a una OSSE de Panamá
      Dado un grupo en la provincia "Veraguas"
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el programa no aplica al grupo
      Y el criterio "in_mexico" no se cumple
